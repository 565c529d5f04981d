using System.Text;
using Quai.Oci.Image;

namespace Quai.Registry.Manifests;

/// <summary><c>docker manifest inspect [LIST] MANIFEST</c>: with a list, that entry of the local list; else the local
/// list of that name if there is one (the list that push would put, indented with three spaces; with verbose, its
/// entries); else the manifest or index the registry serves. An image manifest prints as its bytes re-indented with
/// tabs (verbose: the entry docker builds for it, platform from its config); an index or manifest list prints as
/// served, indented with three spaces (verbose: an entry per image manifest, platform from the index).
/// The registry is asked only when needed (<paramref name="fetcher"/> is made on first use).</summary>
public sealed class ManifestInspector(ManifestListStore lists, Func<ManifestFetcher> fetcher)
{
    public async Task<string> InspectAsync(Reference? list, Reference reference, bool verbose, CancellationToken ct = default)
    {
        if (list is not null)
        {
            var entry = lists.TryGet(list)?.Find(reference) ?? throw new ManifestNotFoundException(reference.ToString());
            return Text(verbose ? ManifestListJson.Verbose(entry) : ManifestListJson.Indent(entry.Raw, "\t"));
        }
        if (lists.TryGet(reference) is { } local)
        {
            if (verbose) return Text(ManifestListJson.Verbose(local.Manifests));
            foreach (var m in local.Manifests)
                if (m.Reference.Domain != reference.Domain)
                    throw new ManifestException($"failed to assemble ManifestDescriptor: cannot use source images from a different registry than the target image: {m.Reference.Domain} != {reference.Domain}");
            return Text(ManifestListJson.Build(local.Manifests, ManifestListJson.MediaTypeFor(local.Manifests)));
        }

        var remote = fetcher();
        var fetched = await remote.GetAsync(reference, ct).ConfigureAwait(false);
        if (MediaTypes.IsManifest(fetched.MediaType))
            return Text(verbose
                ? ManifestListJson.Verbose(await remote.EntryAsync(reference, fetched, ct).ConfigureAwait(false))
                : ManifestListJson.Indent(fetched.Bytes, "\t"));
        if (!MediaTypes.IsIndex(fetched.MediaType))
            throw new ManifestException($"{reference} is not a manifest: unsupported media type \"{fetched.MediaType}\"");
        if (!verbose) return Text(ManifestListJson.Indent(fetched.Bytes, "   "));

        var index = ImageJson.ParseIndex(fetched.Bytes, $"manifest list {fetched.Digest}");
        var entries = new List<ManifestEntry>();
        foreach (var child in index.Manifests)
        {
            if (!MediaTypes.IsManifest(child.MediaType))
                throw new ManifestException($"unsupported manifest type: {child.MediaType} ({child.Digest} in {reference})");
            var digest = child.ParsedDigest;
            var childRef = reference.Tag is { } tag
                ? Reference.ParseNormalized($"{reference.Repository}:{tag}@{digest}")
                : reference.NameOnly().WithDigest(digest);
            var bytes = await remote.GetAsync(reference.NameOnly().WithDigest(digest), ct).ConfigureAwait(false);
            if (bytes.Digest != digest) throw new ManifestException($"manifest verification failed for digest {digest}");
            entries.Add(new ManifestEntry
            {
                Ref = childRef.ToString(),
                Descriptor = new Descriptor { MediaType = bytes.MediaType, Digest = digest.ToString(), Size = bytes.Bytes.Length, Platform = child.Platform },
                Raw = bytes.Bytes,
            });
        }
        return Text(ManifestListJson.Verbose(entries));
    }

    private static string Text(byte[] json) => Encoding.UTF8.GetString(json);
}
