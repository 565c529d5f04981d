using Quai.Images.Metadata;

namespace Quai.Images;

/// <summary>The Images row of <c>docker system df</c>.</summary>
public sealed record ImageUsage(int Total, int Active, long Size, long Reclaimable);

public sealed partial class ImageStore
{
    /// <summary>Unique unpacked bytes of all images, and of those no container uses.</summary>
    public ImageUsage DiskUsage()
    {
        var images = Metadata.Images();
        var snapshots = Metadata.Snapshots().ToDictionary(s => s.Key);
        var inUse = ImagesInUse();
        HashSet<string> Chain(IEnumerable<ImageRecord> imgs)
        {
            var set = new HashSet<string>();
            foreach (var i in imgs)
                for (var k = i.TopChain; k is not null && set.Add(k) && snapshots.TryGetValue(k, out var s);) k = s.Parent;
            return set;
        }
        long Sum(HashSet<string> keys) => keys.Sum(k => snapshots.TryGetValue(k, out var s) ? s.Size : 0);
        var all = Chain(images);
        var used = Chain(images.Where(i => inUse.Contains(i.Id)));
        var size = Sum(all);
        return new ImageUsage(images.Count, images.Count(i => inUse.Contains(i.Id)), size, size - Sum(used));
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
