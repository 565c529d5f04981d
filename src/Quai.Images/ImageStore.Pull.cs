namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary>Starts storing an image that arrives piece by piece (a registry pull): one lease holds every blob
    /// and snapshot of it until <see cref="PullSession.Commit"/> records the image; disposing the session
    /// without a commit collects what only it held, and a killed pull leaves a dead lease the next store open collects.</summary>
    public PullSession BeginPull() => new(this);
}
