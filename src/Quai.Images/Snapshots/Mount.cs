namespace Quai.Images.Snapshots;

/// <summary>A mount the caller performs to see a snapshot: <c>mount -t Type -o Options Source target</c>.
/// For overlay, <see cref="WorkingDirectory"/> is set when lowerdir paths are relative to it (many layers would
/// otherwise overflow the one-page limit on mount options): mount from that directory, e.g. with
/// <see cref="MountHelper"/>.</summary>
public sealed record Mount(string Type, string Source, IReadOnlyList<string> Options, string? WorkingDirectory = null)
{
    public override string ToString() => $"{Type} {Source} ({string.Join(',', Options)})";
}
