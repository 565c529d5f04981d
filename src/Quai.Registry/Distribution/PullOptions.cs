using Quai.Oci.Image;

namespace Quai.Registry.Distribution;

/// <summary>What <c>quai pull</c> (and <c>run --pull</c>) asks of a pull.</summary>
public sealed class PullOptions
{
    /// <summary>The platform to select from an index (default: the host's). For a single-platform image it must match.</summary>
    public Platform? Platform { get; init; }
    /// <summary>Keep every platform of an index (all child manifests, configs and layers), not only the selected one.</summary>
    public bool AllPlatforms { get; init; }
    /// <summary>Parallel layer downloads (dockerd's max-concurrent-downloads, default 3).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;
}

/// <summary>The outcome of pulling one reference.</summary>
public sealed record PullResult(Quai.Images.Metadata.ImageRecord Image, Reference Reference, Digest Digest, bool UpToDate);
