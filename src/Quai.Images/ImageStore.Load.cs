using Quai.Images.Archives;
using Quai.Images.Gc;
using Quai.Oci.Image;

namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary><c>docker load</c>: a docker-archive or OCI archive as a stream (optionally gzip/zstd compressed).</summary>
    public List<LoadedImage> Load(Stream archive, Platform? platform = null)
        => CleanupOnFailure(lease => new ArchiveLoader(this, lease).LoadTar(archive, platform));

    /// <summary>Loads a file (archive) or a directory (OCI image layout, or an unpacked docker-archive).</summary>
    public List<LoadedImage> Load(string path, Platform? platform = null) => CleanupOnFailure(lease =>
    {
        if (Directory.Exists(path)) return new ArchiveLoader(this, lease).LoadDirectory(path, platform);
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return new ArchiveLoader(this, lease).LoadTar(f, platform);
    });

    /// <summary>Runs a write under a lease; if it fails, releases the lease and collects what only it held,
    /// so refused input leaves nothing behind (images recorded before the failure stay).</summary>
    internal T CleanupOnFailure<T>(Func<Lease, T> body)
    {
        var lease = new Lease(Metadata);
        try
        {
            var result = body(lease);
            lease.Dispose();
            return result;
        }
        catch
        {
            lease.Dispose();
            try { CollectGarbage(); } catch (Exception) { /* the next rmi/prune collects it */ }
            throw;
        }
    }
}
