using Quai.Oci.Image;
using Quai.Registry.Client;

namespace Quai.Registry.Manifests;

/// <summary>Fetches what a manifest list entry needs from the registry, as <c>docker manifest create</c> does: the
/// image manifest (a manifest list or index is refused: <c>REF is a manifest list</c>) and its config, whose
/// os/architecture/variant/os.version/os.features become the entry's platform. A manifest or repository the registry
/// does not know is docker's <c>no such manifest: REF</c>.</summary>
public sealed class ManifestFetcher(RegistryClient client)
{
    /// <summary>Configs are small JSON documents: a bigger one is refused before it is read.</summary>
    public const long MaxConfigSize = Distribution.Puller.MaxConfigSize;

    /// <summary>The image manifest at <paramref name="reference"/>, with its platform from its config.</summary>
    public async Task<ManifestEntry> FetchImageAsync(Reference reference, CancellationToken ct = default)
    {
        var fetched = await GetAsync(reference, ct).ConfigureAwait(false);
        if (MediaTypes.IsIndex(fetched.MediaType)) throw new ManifestException($"{reference} is a manifest list");
        return await EntryAsync(reference, fetched, ct).ConfigureAwait(false);
    }

    /// <summary>The manifest or index at <paramref name="reference"/> as the registry serves it.</summary>
    public async Task<FetchedManifest> GetAsync(Reference reference, CancellationToken ct = default)
    {
        try
        {
            return await client.GetManifestAsync(reference, ct).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.ErrorCode is "MANIFEST_UNKNOWN" or "NAME_UNKNOWN" || (e.ErrorCode is null && e.StatusCode == 404))
        {
            throw new ManifestException($"no such manifest: {reference}", e);
        }
    }

    /// <summary>The entry of an image manifest already fetched from <paramref name="reference"/>'s repository.</summary>
    public async Task<ManifestEntry> EntryAsync(Reference reference, FetchedManifest fetched, CancellationToken ct = default)
    {
        if (!MediaTypes.IsManifest(fetched.MediaType)) throw new ManifestException($"{reference} is not a manifest");
        var manifest = ImageJson.ParseManifest(fetched.Bytes, $"manifest {fetched.Digest}");
        var config = await ReadConfigAsync(reference, manifest.Config, ct).ConfigureAwait(false);
        return new ManifestEntry
        {
            Ref = reference.ToString(),
            Descriptor = new Descriptor
            {
                MediaType = fetched.MediaType,
                Digest = fetched.Digest.ToString(),
                Size = fetched.Bytes.Length,
                Platform = new Platform
                {
                    Architecture = config.Architecture,
                    Os = config.Os,
                    OsVersion = NullIfEmpty(config.OsVersion),
                    OsFeatures = config.OsFeatures is { Count: > 0 } f ? f : null,
                    Variant = NullIfEmpty(config.Variant),
                },
            },
            Raw = fetched.Bytes,
        };
    }

    private async Task<ImageConfig> ReadConfigAsync(Reference reference, Descriptor config, CancellationToken ct)
    {
        var digest = config.ParsedDigest;
        if (config.Size > MaxConfigSize || config.Size < 0)
            throw new ManifestException($"image config {digest} of {reference} is {config.Size} bytes, more than the {MaxConfigSize} allowed");
        byte[] bytes;
        await using (var s = await client.OpenBlobAsync(reference.NameOnly(), config, ct).ConfigureAwait(false))
        {
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = await s.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > config.Size) break;
                buffer.Write(chunk, 0, n);
            }
            bytes = buffer.ToArray();
        }
        if (bytes.Length != config.Size || Digest.Compute(bytes) != digest)
            throw new ManifestException($"image config verification failed for digest {digest}");
        return ImageJson.ParseConfig(bytes, $"image config {digest}");
    }

    internal static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
