using Quai.Oci.Image;

namespace Quai.Registry.Manifests;

/// <summary><c>docker manifest create LIST MANIFEST…</c>: a new local list (or, with amend, the existing one with these
/// manifests added or refreshed). A manifest already in the list that has its bytes is kept as it is (with its
/// annotations), as docker does; the others are fetched from their registries. Every fetch happens before the list is
/// written: a failure leaves the local list as it was.</summary>
public sealed class ManifestListCreator(ManifestListStore lists, ManifestFetcher fetcher)
{
    public async Task<ManifestList> CreateAsync(Reference list, IReadOnlyList<Reference> manifests, bool amend, CancellationToken ct = default)
    {
        var existing = lists.TryGet(list);
        if (existing is not null && !amend) throw AmendRefused();
        var entries = new List<ManifestEntry>();
        foreach (var m in manifests)
        {
            if (existing?.Find(m) is { Raw.Length: > 0 } kept) entries.Add(kept);
            else entries.Add(await fetcher.FetchImageAsync(m, ct).ConfigureAwait(false));
        }
        return lists.Update(list, current =>
        {
            if (current is not null && !amend) throw AmendRefused();
            var updated = current ?? new ManifestList();
            foreach (var e in entries) updated.Put(e);
            return updated;
        });
    }

    private static ManifestException AmendRefused() => new("refusing to amend an existing manifest list with no --amend flag");
}
