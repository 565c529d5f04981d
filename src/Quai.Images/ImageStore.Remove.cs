using Quai.Images.Gc;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>What rmi/prune did, in Docker's words: "Untagged: busybox:latest", "Deleted: sha256:…".</summary>
public sealed record RemoveResult(List<string> Untagged, List<string> Deleted, long BytesReclaimed);

public sealed partial class ImageStore
{
    /// <summary><c>docker rmi</c>. By name: removes that tag, and the image when it was the last one.
    /// By ID: removes the image and all its tags (more than one tag needs <paramref name="force"/>).
    /// An image a container uses is kept unless forced; its unpacked layers stay while the container exists.</summary>
    public RemoveResult Remove(string nameOrId, bool force = false, bool prune = true)
    {
        var untagged = new List<string>();
        var deleted = new List<string>();
        Metadata.Write(tx =>
        {
            var rec = TryFind(nameOrId, tx) ?? throw new ImageNotFoundException(DisplayName(nameOrId));
            var tags = Metadata.TagsOf(rec.Id, tx);
            var users = Metadata.Snapshots(tx).Where(s => s.ImageId == rec.Id).Select(s => s.Key).ToList();
            string? byTag = null;
            if (!IsIdLike(nameOrId, rec))
            {
                var r = Reference.Parse(nameOrId);
                if (r.Tag is not null) byTag = (r.Digest is null ? r : r.WithTag(r.Tag)).ToString();
            }
            if (byTag is not null && tags.Contains(byTag) && (tags.Count > 1 || (users.Count > 0 && !force)))
            {
                if (tags.Count == 1)
                    throw new ImageConflictException($"conflict: unable to remove repository reference \"{nameOrId}\" (must force) - container {Short(users[0])} is using its referenced image {Digest.Parse(rec.Id).Short}");
                Metadata.DeleteTag(byTag, tx);
                untagged.Add(Familiar(byTag));
                return;
            }
            if (!force && byTag is null && tags.Count > 1)
                throw new ImageConflictException($"conflict: unable to delete {Digest.Parse(rec.Id).Short} (must be forced) - image is referenced in multiple repositories");
            if (!force && users.Count > 0)
                throw new ImageConflictException($"conflict: unable to delete {Digest.Parse(rec.Id).Short} (must be forced) - image is being used by container {Short(users[0])}");
            foreach (var t in tags) { Metadata.DeleteTag(t, tx); untagged.Add(Familiar(t)); }
            Metadata.DeleteImage(rec.Id, tx);
            deleted.Add(rec.Id);
        });
        long bytes = deleted.Count > 0 && prune ? CollectGarbage().BytesReclaimed : 0;
        return new RemoveResult(untagged, deleted, bytes);
    }

    /// <summary><c>docker image prune</c>: dangling (untagged) images, or with <paramref name="all"/> every image no
    /// container uses; then GC. Optional <paramref name="filter"/> narrows the candidates.</summary>
    public RemoveResult Prune(bool all, Func<Metadata.ImageRecord, IReadOnlyList<string>, bool>? filter = null)
    {
        var untagged = new List<string>();
        var deleted = new List<string>();
        Metadata.Write(tx =>
        {
            var inUse = Metadata.Snapshots(tx).Where(s => s.ImageId is not null).Select(s => s.ImageId!).ToHashSet();
            foreach (var img in Metadata.Images(tx))
            {
                var tags = Metadata.TagsOf(img.Id, tx);
                if (inUse.Contains(img.Id) || (!all && tags.Count > 0)) continue;
                if (filter is not null && !filter(img, tags)) continue;
                foreach (var t in tags) { Metadata.DeleteTag(t, tx); untagged.Add(Familiar(t)); }
                Metadata.DeleteImage(img.Id, tx);
                deleted.Add(img.Id);
            }
        });
        var gc = CollectGarbage();
        return new RemoveResult(untagged, deleted, gc.BytesReclaimed);
    }

    private static string Familiar(string full) => Reference.Parse(full).ToFamiliarString();
    /// <summary>The short id a user knows: a container's snapshot key is "container-ID".</summary>
    private static string Short(string key)
    {
        if (key.StartsWith("container-", StringComparison.Ordinal)) key = key["container-".Length..];
        return key.Length > 12 ? key[..12] : key;
    }
}
