using Quai.Oci.Image;
using Quai.Registry.Client;

namespace Quai.Registry.Manifests;

/// <summary><c>docker manifest push LIST</c>: every entry needs an os and an architecture and must live in the list's
/// registry. An entry from another repository of that registry is brought into the list's repository first: its
/// blobs (config and layers) are mounted there (those already there are skipped; a foreign layer is never mounted),
/// then its manifest is put by digest, bytes unchanged (<c>Pushed ref REPO@DIGEST with digest: DIGEST</c>). Then the
/// list is put under its tag and its digest printed. With purge the local list is deleted after the push.</summary>
public sealed class ManifestListPusher(ManifestListStore lists, RegistryClient client, TextWriter output)
{
    public async Task<Digest> PushAsync(Reference listRef, bool purge, CancellationToken ct = default)
    {
        if (listRef.Tag is null) throw new ManifestException($"{listRef}: a manifest list is pushed under a tag, not a digest");
        var list = lists.Get(listRef);
        if (list.Manifests.Count == 0) throw new ManifestException($"{listRef} not found");
        foreach (var m in list.Manifests)
        {
            if (m.Descriptor.Platform is not { Architecture.Length: > 0, Os.Length: > 0 })
                throw new ManifestException($"manifest {m.Ref} must have an OS and Architecture to be pushed to a registry");
            if (m.Reference.Domain != listRef.Domain)
                throw new ManifestException($"cannot use source images from a different registry than the target image: {m.Reference.Domain} != {listRef.Domain}");
        }
        var mediaType = ManifestListJson.MediaTypeFor(list.Manifests);
        var body = ManifestListJson.Build(list.Manifests, mediaType);

        foreach (var m in list.Manifests.Where(m => m.Reference.Path != listRef.Path))
        {
            var source = m.Reference;
            var manifest = m.ParseManifest();
            foreach (var blob in manifest.Layers.Prepend(manifest.Config))
            {
                var digest = blob.ParsedDigest;
                if (blob.Urls is { Count: > 0 }) continue; // a foreign layer stays where its URLs point
                if (await client.BlobExistsAsync(listRef, digest, ct).ConfigureAwait(false)) continue;
                if (!await client.TryMountBlobAsync(listRef, digest, source.Path, ct).ConfigureAwait(false))
                    throw new ManifestException($"error mounting {source.Repository}@{digest} to {listRef}");
            }
            var digestRef = listRef.NameOnly().WithDigest(Digest.Parse(m.Descriptor.Digest));
            var put = await client.PutManifestAsync(digestRef, m.Raw, m.Descriptor.MediaType, ct).ConfigureAwait(false);
            output.WriteLine($"Pushed ref {digestRef} with digest: {put}");
        }

        var pushed = await client.PutManifestAsync(listRef, body, mediaType, ct).ConfigureAwait(false);
        var expected = Digest.Compute(body);
        if (pushed != expected) throw new ManifestException($"push {listRef}: the registry stored the manifest list as {pushed}, not {expected}");
        output.WriteLine(pushed.ToString());
        if (purge) lists.Remove(listRef);
        return pushed;
    }
}
