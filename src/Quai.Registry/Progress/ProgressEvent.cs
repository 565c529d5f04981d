namespace Quai.Registry.Progress;

/// <summary>One message of Docker's progress stream, as the Engine API sends it (<c>{"id","status","progressDetail"}</c>):
/// <c>latest: Pulling from library/busybox</c> (id = the tag), <c>a46fbb00284b: Downloading</c> with bytes
/// (id = the short layer digest), or a closing line without id (<c>Digest: sha256:…</c>). The CLI renders
/// these on a terminal or as plain lines; a daemon would send them as JSON.</summary>
public sealed record ProgressEvent(string? Id, string Status, long? Current = null, long? Total = null)
{
    /// <summary>True for a byte-count update (Docker's CLI hides those when not on a terminal).</summary>
    public bool IsProgress => Current is not null;
}

/// <summary>Where an operation reports its progress. Implementations must be thread-safe: layers report from
/// parallel downloads.</summary>
public interface IProgressSink
{
    void Report(ProgressEvent e);
}

/// <summary>Reports nothing (<c>--quiet</c>).</summary>
public sealed class NullProgress : IProgressSink
{
    public static NullProgress Instance { get; } = new();
    public void Report(ProgressEvent e) { }
}

/// <summary>Docker's statuses, one place so the pull, the push and their tests say the same words.</summary>
public static class Status
{
    public const string PullingFsLayer = "Pulling fs layer", Waiting = "Waiting", Downloading = "Downloading",
        Verifying = "Verifying Checksum", DownloadComplete = "Download complete", Extracting = "Extracting",
        PullComplete = "Pull complete", AlreadyExists = "Already exists",
        Preparing = "Preparing", Pushing = "Pushing", Pushed = "Pushed", LayerAlreadyExists = "Layer already exists";

    /// <summary>The 12 hex digits Docker shows for a layer.</summary>
    public static string ShortId(string digest) => digest[(digest.IndexOf(':') + 1)..] is var hex && hex.Length > 12 ? hex[..12] : hex;
}
