using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>The Images row of <c>docker system df</c>.</summary>
public sealed record ImageUsage(int Total, int Active, long Size, long Reclaimable);

public sealed partial class ImageStore
{
    /// <summary>The bytes images take on disk, each shared layer once: their unpacked snapshots and the blobs they
    /// reference (layers as stored, configs, manifests); and of those, what removing every image no container uses
    /// would free, which is what <c>image prune -a</c> then reports.</summary>
    public ImageUsage DiskUsage()
    {
        var images = Metadata.Images();
        var snapshots = Metadata.Snapshots().ToDictionary(s => s.Key);
        var inUse = ImagesInUse();
        var blobsOf = Metadata.Query("SELECT image_id, digest FROM image_blobs", r => (r.GetString(0), r.GetString(1)))
            .GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Select(x => x.Item2).ToList());
        var blobSizes = new Dictionary<string, long>();
        long BlobSize(string d)
        {
            if (blobSizes.TryGetValue(d, out var n)) return n;
            try { n = Digest.TryParse(d, out var dg) ? Content.Size(dg) : 0; }
            catch (FileNotFoundException) { n = 0; }
            return blobSizes[d] = n;
        }
        long Bytes(IEnumerable<ImageRecord> imgs)
        {
            var chains = new HashSet<string>();
            var blobs = new HashSet<string>();
            foreach (var i in imgs)
            {
                for (var k = i.TopChain; k is not null && chains.Add(k) && snapshots.TryGetValue(k, out var s);) k = s.Parent;
                if (blobsOf.TryGetValue(i.Id, out var list)) blobs.UnionWith(list);
            }
            return chains.Sum(k => snapshots.TryGetValue(k, out var s) ? s.Size : 0) + blobs.Sum(BlobSize);
        }
        var size = Bytes(images);
        return new ImageUsage(images.Count, images.Count(i => inUse.Contains(i.Id)), size, size - Bytes(images.Where(i => inUse.Contains(i.Id))));
    }

    /// <summary>Unpacked size of each layer of an image, bottom first (for history).</summary>
    public List<long> LayerSizes(ImageRecord image)
    {
        var sizes = new List<long>();
        if (image.TopChain is null) return sizes;
        foreach (var s in Metadata.SnapshotChain(image.TopChain)) sizes.Add(s.Size);
        sizes.Reverse();
        return sizes;
    }
}
