using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Images.Metadata;
using Quai.Images.Snapshots;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>A container's root filesystem: mount <see cref="Mounts"/> on the rootfs path (e.g. with
/// <see cref="MountHelper.MountAll"/> inside the container's mount namespace).</summary>
public sealed record PreparedRootfs(string Key, ResolvedImage Image, IReadOnlyList<Mount> Mounts);

public sealed class CommitOptions
{
    public Reference? Tag { get; set; }
    public IReadOnlyList<string> Changes { get; set; } = [];
    public string? Author { get; set; }
    public string? Message { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>The container's own config (its env, command, user… as run), which replaces the base image's;
    /// null keeps the base image's.</summary>
    public ContainerConfig? Config { get; set; }
    public Compression Compression { get; set; } = Compression.Gzip;
    /// <summary>A build's RUN step: hidden by <c>images</c> untagged (see <see cref="DeriveOptions.BuildStep"/>).</summary>
    public bool BuildStep { get; set; }
}

/// <summary>What the container engine calls.</summary>
public sealed partial class ImageStore
{
    /// <summary>Creates the writable root filesystem of container <paramref name="containerId"/> from an image.
    /// The image cannot be garbage-collected while it exists; rmi without force refuses.</summary>
    public PreparedRootfs PrepareRootfs(string containerId, string imageNameOrId)
    {
        var image = Resolve(imageNameOrId);
        try
        {
            var mounts = Snapshotter.Prepare(ContainerKey(containerId), image.TopChain, image.Id);
            return new PreparedRootfs(ContainerKey(containerId), image, mounts);
        }
        catch (SnapshotNotFoundException)
        {
            // The image was removed (and its layers collected) between the lookup and the prepare.
            throw new ImageNotFoundException(DisplayName(imageNameOrId));
        }
    }

    /// <summary>The mounts of an existing container rootfs (after a restart of the engine).</summary>
    public IReadOnlyList<Mount> RootfsMounts(string containerId) => Snapshotter.Mounts(ContainerKey(containerId));

    /// <summary>Deletes a container's root filesystem (it must be unmounted).</summary>
    public void ReleaseRootfs(string containerId) => Snapshotter.Remove(ContainerKey(containerId));

    /// <summary><c>docker commit</c>: the container's changes become a new layer on top of its image.</summary>
    public ImageRecord CommitRootfs(string containerId, CommitOptions options)
    {
        var key = ContainerKey(containerId);
        var snap = Snapshotter.Stat(key) ?? throw new SnapshotNotFoundException(key);
        var baseImage = Describe(Metadata.Image(snap.ImageId ?? "") ?? throw new ImageNotFoundException(snap.ImageId ?? key));
        using var lease = new Lease(Metadata);
        var (layer, diffId) = IngestLayer(lease, w => Snapshotter.WriteDiff(key, w), options.Compression, $"commit of {containerId}");
        var config = baseImage.Config;
        if (options.Config is { } own)
        {
            own.ExposedPorts ??= config.Config?.ExposedPorts;
            own.Shell ??= config.Config?.Shell;
            config.Config = own;
        }
        config.Config ??= new ContainerConfig();
        Archives.ConfigChanges.Apply(config.Config, options.Changes);
        var now = DateTimeOffset.UtcNow;
        config.Created = now;
        if (options.Author is not null) config.Author = options.Author;
        config.RootFs.DiffIds.Add(diffId.ToString());
        (config.History ??= []).Add(new HistoryEntry { Created = now, Author = options.Author, Comment = options.Message, CreatedBy = options.CreatedBy });
        var layers = baseImage.Manifest.Layers.ToList();
        layers.Add(layer);
        foreach (var l in layers) lease.Add(Lease.Blob, l.Digest);
        return RegisterNew(lease, config, layers, options.Tag is null ? [] : [options.Tag], options.BuildStep);
    }

    /// <summary>Writes a layer as <paramref name="write"/> produces it (an uncompressed tar) into the content
    /// store, compressed and hashed in one pass, held by <paramref name="lease"/>: its descriptor and diff ID.</summary>
    internal (Descriptor Layer, Digest DiffId) IngestLayer(Lease lease, Action<Stream> write, Compression compression, string what)
    {
        var temp = Path.Combine(Content.IngestDir, $"{Environment.ProcessId}-layer-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite);
            Digest diffId;
            using (var compressed = LayerCompression.Compress(file, compression, leaveOpen: true))
            using (var hashing = new HashingStream(compressed, leaveOpen: true))
            {
                write(hashing);
                hashing.Flush();
                diffId = hashing.Digest();
            }
            file.Position = 0;
            var (blob, size) = Content.Ingest(file, null, null, what, d => lease.Add(Lease.Blob, d.ToString()));
            return (Descriptor.For(MediaTypes.OciLayerFor(compression), blob, size), diffId);
        }
        finally { File.Delete(temp); }
    }

    private static string ContainerKey(string containerId) => "container-" + containerId;
}
