using Quai.Oci.Image;

namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary>Docker's RepoDigests: the digests the image was pulled or pushed as, fully qualified
    /// (<c>127.0.0.1:5000/app@sha256:…</c>, <c>docker.io/library/busybox@sha256:…</c>), sorted.</summary>
    public IReadOnlyList<string> RepoDigests(string imageId) => Metadata.RepoDigestsOf(imageId);

    /// <summary>Records that the image is <paramref name="repoDigest"/> (<c>name@sha256:…</c>, no tag) in its
    /// registry; <c>name@sha256:…</c> then finds it, and <c>images --digests</c> and <c>image inspect</c> show it.</summary>
    public void AddRepoDigest(string imageId, string repoDigest)
    {
        var name = NormalizeRepoDigest(repoDigest);
        Metadata.Write(tx =>
        {
            if (Metadata.Image(imageId, tx) is null) throw new ImageNotFoundException(imageId);
            Metadata.SetRepoDigest(name, imageId, tx);
        });
    }

    /// <summary>The registry repositories <paramref name="blob"/> is known to be in (pulled from or pushed to),
    /// for a cross-repository mount on push. The rows go with the blob when GC removes it.</summary>
    public IReadOnlyList<(string Domain, string Path)> BlobSources(Digest blob) => Metadata.BlobSourcesOf(blob.ToString());

    public void RecordBlobSource(Digest blob, string domain, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Metadata.Write(tx => Metadata.AddBlobSource(blob.ToString(), domain, path, tx));
    }

    /// <summary>The stored form of a repo digest: <c>domain/path@algo:hex</c>; a tag is refused.</summary>
    internal static string NormalizeRepoDigest(string repoDigest)
    {
        var r = Reference.ParseNormalized(repoDigest);
        if (r.Digest is not { } d || r.Tag is not null)
            throw new FormatException($"invalid repo digest \"{repoDigest}\": expected NAME@DIGEST without a tag");
        return r.NameOnly().WithDigest(d).ToString();
    }
}
