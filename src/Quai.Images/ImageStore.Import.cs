using Quai.Images.Archives;
using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images;

public sealed class ImportOptions
{
    public Reference? Tag { get; set; }
    public IReadOnlyList<string> Changes { get; set; } = [];
    public string? Message { get; set; }
    public Platform? Platform { get; set; }
    /// <summary>What the history says was imported ("-" for stdin, else the file name).</summary>
    public string Source { get; set; } = "-";
}

public sealed partial class ImageStore
{
    /// <summary><c>docker import</c>: a root filesystem tarball (optionally gzip/zstd) becomes a one-layer image.
    /// The layer is stored uncompressed, as Docker does for imports.</summary>
    public ImageRecord Import(Stream rootfsTar, ImportOptions options)
    {
        var containerConfig = new ContainerConfig();
        ConfigChanges.Apply(containerConfig, options.Changes);
        return CleanupOnFailure(lease => ImportWith(lease, rootfsTar, options, containerConfig));
    }

    private ImageRecord ImportWith(Lease lease, Stream rootfsTar, ImportOptions options, ContainerConfig containerConfig)
    {
        using var raw = LayerCompression.Decompress(rootfsTar, out _);
        var (diffId, size) = Content.Ingest(raw, null, null, "import", d => lease.Add(Lease.Blob, d.ToString()));
        var platform = options.Platform ?? Platform.Host();
        var now = DateTimeOffset.UtcNow;
        var config = new ImageConfig
        {
            Created = now,
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Config = containerConfig,
            Comment = options.Message,
            RootFs = new RootFs { DiffIds = [diffId.ToString()] },
            History = [new HistoryEntry { Created = now, Comment = options.Message ?? $"Imported from {options.Source}" }],
        };
        return RegisterNew(lease, config, [Descriptor.For(MediaTypes.OciLayer, diffId, size)], options.Tag is null ? [] : [options.Tag]);
    }

    /// <summary>Stores a config and manifest for layers already in the content store, then registers the image.</summary>
    internal ImageRecord RegisterNew(Lease lease, ImageConfig config, List<Descriptor> layers, IEnumerable<Reference> tags, bool buildStep = false)
    {
        var configBytes = ImageJson.Serialize(config, ImageJsonContext.Default.ImageConfig);
        var (cd, csize) = Content.Ingest(configBytes, "image config", d => lease.Add(Lease.Blob, d.ToString()));
        var manifest = new Manifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = Descriptor.For(MediaTypes.OciConfig, cd, csize),
            Layers = layers,
        };
        var (md, msize) = Content.Ingest(ImageJson.Serialize(manifest, ImageJsonContext.Default.Manifest), "image manifest", d => lease.Add(Lease.Blob, d.ToString()));
        return Register(lease, Descriptor.For(MediaTypes.OciManifest, md, msize), tags, buildStep: buildStep);
    }
}
