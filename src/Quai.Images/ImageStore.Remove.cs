using Quai.Images.Gc;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>What rmi/prune did, in Docker's words: "Untagged: busybox:latest", "Deleted: sha256:…".</summary>
public sealed record RemoveResult(List<string> Untagged, List<string> Deleted, long BytesReclaimed);

public sealed partial class ImageStore
{
    /// <summary><c>docker rmi</c>. By reference (<c>name:tag</c> or a repo digest <c>name@sha256:…</c>): removes that
    /// reference (and, when it was the repository's last tag, the repository's repo digests, as Docker does), then the
    /// image when no tag or repo digest is left. By ID: removes the image and all its references (references in more
    /// than one repository, or more than one tag, need <paramref name="force"/>). An image a container uses is kept
    /// unless forced; its unpacked layers stay while the container exists.</summary>
    public RemoveResult Remove(string nameOrId, bool force = false, bool prune = true)
    {
        var untagged = new List<string>();
        var deleted = new List<string>();
        Metadata.Write(tx =>
        {
            var rec = TryFind(nameOrId, tx) ?? throw new ImageNotFoundException(DisplayName(nameOrId));
            var tags = Metadata.TagsOf(rec.Id, tx);
            var digests = Metadata.RepoDigestsOf(rec.Id, tx);
            var users = Metadata.Snapshots(tx).Where(s => s.ImageId == rec.Id).Select(s => s.Key).ToList();
            string? byTag = null, byDigest = null;
            if (!IsIdLike(nameOrId, rec))
            {
                var r = Reference.Parse(nameOrId);
                if (r.Tag is not null) byTag = (r.Digest is null ? r : r.WithTag(r.Tag)).ToString();
                else if (r.Digest is { } d && digests.Contains(r.NameOnly().WithDigest(d).ToString())) byDigest = r.NameOnly().WithDigest(d).ToString();
            }
            if ((byTag is not null && tags.Contains(byTag)) || byDigest is not null)
            {
                if (users.Count > 0 && !force && IsSingleReference(tags, digests))
                    throw new ImageConflictException($"conflict: unable to remove repository reference \"{nameOrId}\" (must force) - container {Short(users[0])} is using its referenced image {Digest.Parse(rec.Id).Short}");
                if (byTag is not null)
                {
                    Metadata.DeleteTag(byTag, tx);
                    tags.Remove(byTag);
                    untagged.Add(Familiar(byTag));
                    // the repository's last tag: its repo digests go too (Docker's rule)
                    var repo = Reference.Parse(byTag).Repository;
                    if (!tags.Any(t => Reference.Parse(t).Repository == repo))
                        foreach (var dg in digests.Where(x => Reference.ParseNormalized(x).Repository == repo).ToList())
                        {
                            Metadata.DeleteRepoDigest(dg, tx);
                            digests.Remove(dg);
                            untagged.Add(Familiar(dg));
                        }
                }
                else
                {
                    Metadata.DeleteRepoDigest(byDigest!, tx);
                    digests.Remove(byDigest!);
                    untagged.Add(Familiar(byDigest!));
                }
                if (tags.Count > 0 || digests.Count > 0 || (users.Count > 0 && !force)) return;
            }
            else
            {
                if (!force && (tags.Count > 0 || digests.Count > 0) && !IsSingleReference(tags, digests))
                    throw new ImageConflictException($"conflict: unable to delete {Digest.Parse(rec.Id).Short} (must be forced) - image is referenced in multiple repositories");
                if (!force && users.Count > 0)
                    throw new ImageConflictException($"conflict: unable to delete {Digest.Parse(rec.Id).Short} (must be forced) - image is being used by container {Short(users[0])}");
            }
            foreach (var t in tags) { Metadata.DeleteTag(t, tx); untagged.Add(Familiar(t)); }
            foreach (var dg in digests) { Metadata.DeleteRepoDigest(dg, tx); untagged.Add(Familiar(dg)); }
            Metadata.DeleteImage(rec.Id, tx);
            deleted.Add(rec.Id);
        });
        long bytes = deleted.Count > 0 && prune ? CollectGarbage().BytesReclaimed : 0;
        return new RemoveResult(untagged, deleted, bytes);
    }

    /// <summary>Docker's test for "one reference": at most one tag, and every repo digest in that tag's repository
    /// (or all in one repository when there is no tag).</summary>
    private static bool IsSingleReference(IReadOnlyList<string> tags, IReadOnlyList<string> digests)
    {
        if (tags.Count + digests.Count <= 1) return tags.Count + digests.Count == 1;
        if (tags.Count > 1) return false;
        var repos = digests.Select(d => Reference.ParseNormalized(d).Repository).Distinct().ToList();
        var single = tags.Count == 1 ? Reference.Parse(tags[0]).Repository : repos[0];
        return repos.Count == 1 && repos[0] == single;
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
                var digests = Metadata.RepoDigestsOf(img.Id, tx);
                // an image pulled by digest (no tag, a repo digest) is not dangling
                if (inUse.Contains(img.Id) || (!all && (tags.Count > 0 || digests.Count > 0))) continue;
                if (filter is not null && !filter(img, tags)) continue;
                foreach (var t in tags) { Metadata.DeleteTag(t, tx); untagged.Add(Familiar(t)); }
                foreach (var d in digests) { Metadata.DeleteRepoDigest(d, tx); untagged.Add(Familiar(d)); }
                Metadata.DeleteImage(img.Id, tx);
                deleted.Add(img.Id);
            }
        });
        var gc = CollectGarbage();
        return new RemoveResult(untagged, deleted, gc.BytesReclaimed);
    }

    private static string Familiar(string full) => Reference.ParseNormalized(full).ToFamiliarString();
    /// <summary>The short id a user knows: a container's snapshot key is "container-ID".</summary>
    private static string Short(string key)
    {
        if (key.StartsWith("container-", StringComparison.Ordinal)) key = key["container-".Length..];
        return key.Length > 12 ? key[..12] : key;
    }
}
