using Quai.Images.Archives;
using Quai.Images.Gc;
using Quai.Oci.Image;

namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary><c>docker load</c>: a docker-archive or OCI archive as a stream (optionally gzip/zstd compressed).</summary>
    public List<LoadedImage> Load(Stream archive, Platform? platform = null)
    {
        using var lease = new Lease(Metadata);
        return new ArchiveLoader(this, lease).LoadTar(archive, platform);
    }

    /// <summary>Loads a file (archive) or a directory (OCI image layout, or an unpacked docker-archive).</summary>
    public List<LoadedImage> Load(string path, Platform? platform = null)
    {
        using var lease = new Lease(Metadata);
        if (Directory.Exists(path)) return new ArchiveLoader(this, lease).LoadDirectory(path, platform);
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return new ArchiveLoader(this, lease).LoadTar(f, platform);
    }
}
