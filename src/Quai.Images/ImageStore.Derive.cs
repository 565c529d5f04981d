using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>One build step's image: a parent (or none, for <c>FROM scratch</c>), the container config the
/// step leaves, its history line, and optionally a layer it adds.</summary>
public sealed class DeriveOptions
{
    /// <summary>The parent image's ID; null starts from nothing (scratch) on <see cref="Platform"/>.</summary>
    public string? Parent { get; set; }
    public Platform? Platform { get; set; }
    public required ContainerConfig Config { get; set; }
    public required string CreatedBy { get; set; }
    public string? Comment { get; set; }
    /// <summary>Writes the new layer as an uncompressed tar; null: a config-only step (history marks it
    /// <c>empty_layer</c>, the layers stay the parent's).</summary>
    public Action<Stream>? WriteLayer { get; set; }
    public Compression Compression { get; set; } = Compression.Gzip;
    /// <summary>The image is a build step (the default): <c>images</c> hides it untagged until
    /// <see cref="ImageStore.MarkBuildResult"/> says it is a build's result.</summary>
    public bool BuildStep { get; set; } = true;
    /// <summary>The image's author (MAINTAINER); null keeps the parent's.</summary>
    public string? Author { get; set; }
}

public sealed partial class ImageStore
{
    /// <summary>A new untagged image made of a parent's layers (plus one, when <see cref="DeriveOptions.WriteLayer"/>
    /// is set) and the given config: what every step of a build produces. Everything is held by a lease
    /// until registered, so a failed or killed step leaves nothing a collection would not take.</summary>
    public ImageRecord Derive(DeriveOptions options) => CleanupOnFailure(lease =>
    {
        ImageConfig config;
        List<Descriptor> layers;
        if (options.Parent is { } parentId)
        {
            var parent = Describe(Find(parentId));
            config = parent.Config;
            layers = [.. parent.Manifest.Layers];
        }
        else
        {
            var platform = options.Platform ?? Platform.Host();
            config = new ImageConfig { Architecture = platform.Architecture, Os = platform.Os, Variant = platform.Variant, RootFs = new RootFs() };
            layers = [];
        }
        var now = DateTimeOffset.UtcNow;
        config.Created = now;
        config.Config = options.Config;
        if (options.Author is not null) config.Author = options.Author;
        var entry = new HistoryEntry { Created = now, CreatedBy = options.CreatedBy, Comment = options.Comment };
        if (options.WriteLayer is { } write)
        {
            var (layer, diffId) = IngestLayer(lease, write, options.Compression, "build step");
            config.RootFs.DiffIds.Add(diffId.ToString());
            layers.Add(layer);
        }
        else entry.EmptyLayer = true;
        (config.History ??= []).Add(entry);
        foreach (var l in layers) lease.Add(Lease.Blob, l.Digest);
        return RegisterNew(lease, config, layers, [], options.BuildStep);
    });

    /// <summary>A build's result: shown by <c>images</c> even untagged (Docker shows a dangling build result but
    /// hides the intermediate step images).</summary>
    public void MarkBuildResult(string imageId)
    {
        var id = Find(imageId).Id;
        Metadata.Write(tx => Metadata.SetBuildStep(id, false, tx));
    }
}
