namespace Quai.Images;

/// <summary>Where the store lives and how it unpacks.</summary>
public sealed class ImageStoreOptions
{
    public const string DefaultRoot = "/var/lib/quai";
    public const string RootEnvironmentVariable = "QUAI_ROOT";
    public const string SnapshotterEnvironmentVariable = "QUAI_SNAPSHOTTER";

    /// <summary>Store root; default <c>$QUAI_ROOT</c> or <c>/var/lib/quai</c>.</summary>
    public string Root { get; set; } = Environment.GetEnvironmentVariable(RootEnvironmentVariable) is { Length: > 0 } r ? r : DefaultRoot;

    /// <summary>"overlayfs", "native", or null: the one the store was created with, else overlayfs when it works here.</summary>
    public string? Snapshotter { get; set; } = Environment.GetEnvironmentVariable(SnapshotterEnvironmentVariable) is { Length: > 0 } s ? s : null;
}
