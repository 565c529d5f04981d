using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary>Records an image whose blobs are already in the content store (held by <paramref name="lease"/>):
    /// selects the platform from an index, unpacks the layers, and only then, in one transaction, adds the
    /// image, its tags and its <paramref name="repoDigest"/> (<c>name@sha256:…</c>, what it was pulled as). A failure
    /// before that leaves no image and no tag behind.</summary>
    public ImageRecord Register(Lease lease, Descriptor target, IEnumerable<Reference> tags, Platform? platform = null, bool buildStep = false, string? repoDigest = null)
    {
        var repoDigestName = repoDigest is null ? null : NormalizeRepoDigest(repoDigest);
        var targetDigest = target.ParsedDigest;
        var blobs = new List<string> { targetDigest.ToString() };
        Descriptor manifestDesc = target;
        var mediaType = target.MediaType;
        if (string.IsNullOrEmpty(mediaType) || !(MediaTypes.IsManifest(mediaType) || MediaTypes.IsIndex(mediaType)))
            mediaType = ImageJson.ProbeMediaType(Content.ReadAll(targetDigest), $"manifest {targetDigest}") ?? "";
        bool isIndex = MediaTypes.IsIndex(mediaType);
        if (isIndex)
        {
            var index = ImageJson.ParseIndex(Content.ReadAll(targetDigest), $"image index {targetDigest}");
            manifestDesc = SelectPlatform(index, platform ?? Platform.Host(), targetDigest);
            foreach (var m in index.Manifests)
            {
                if (!Digest.TryParse(m.Digest, out var md) || !Content.Exists(md)) continue;
                blobs.Add(md.ToString());
                lease.Add(Lease.Blob, md.ToString());
                if (MediaTypes.IsManifest(m.MediaType))
                {
                    var other = ImageJson.ParseManifest(Content.ReadAll(md), $"manifest {md}");
                    foreach (var d in other.Layers.Append(other.Config))
                        if (Digest.TryParse(d.Digest, out var dd) && Content.Exists(dd)) blobs.Add(dd.ToString());
                }
            }
        }
        else if (!MediaTypes.IsManifest(mediaType))
        {
            throw new InvalidDataException($"{targetDigest}: unsupported media type \"{mediaType}\" (expected an image manifest or index)");
        }
        var manifestDigest = manifestDesc.ParsedDigest;
        var manifest = ImageJson.ParseManifest(Content.ReadAll(manifestDigest), $"manifest {manifestDigest}");
        var configDigest = manifest.Config.ParsedDigest;
        if (!Content.Exists(configDigest)) throw new InvalidDataException($"manifest {manifestDigest}: config blob {configDigest} is missing");
        var config = ImageJson.ParseConfig(Content.ReadAll(configDigest), $"image config {configDigest}");
        foreach (var layer in manifest.Layers)
        {
            if (!MediaTypes.IsLayer(layer.MediaType))
                throw new InvalidDataException($"manifest {manifestDigest}: layer {layer.Digest} has unsupported media type \"{layer.MediaType}\"");
            if (!Content.Exists(layer.ParsedDigest)) throw new InvalidDataException($"manifest {manifestDigest}: layer blob {layer.Digest} is missing");
        }
        blobs.Add(manifestDigest.ToString());
        blobs.Add(configDigest.ToString());
        blobs.AddRange(manifest.Layers.Select(l => l.Digest));

        var diffIds = Unpacker.DiffIds(config, configDigest);
        var (top, size) = Unpacker.Unpack(Content, Snapshotter, lease, manifest.Layers, diffIds);

        var id = isIndex ? targetDigest.ToString() : configDigest.ToString();
        var record = new ImageRecord(id, targetDigest.ToString(), mediaType, target.Size, manifestDigest.ToString(), configDigest.ToString(),
            top?.ToString(), config.Created, size, DateTimeOffset.UtcNow, config.Platform.ToString(), buildStep);
        Metadata.Write(tx =>
        {
            Metadata.PutImage(record, blobs.Distinct(), tx);
            foreach (var t in tags) Metadata.SetTag(t.ToString(), id, tx);
            if (repoDigestName is not null) Metadata.SetRepoDigest(repoDigestName, id, tx);
        });
        return Metadata.Image(id) ?? record;
    }

    private Descriptor SelectPlatform(ImageIndex index, Platform wanted, Digest indexDigest)
    {
        var candidates = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType) && wanted.Matches(m.Platform)).ToList();
        var present = candidates.FirstOrDefault(m => Digest.TryParse(m.Digest, out var d) && Content.Exists(d));
        if (present is not null) return present;
        if (candidates.Count > 0)
            throw new InvalidDataException($"image index {indexDigest}: the manifest for {wanted} ({candidates[0].Digest}) is not in the archive");
        var available = string.Join(", ", index.Manifests.Where(m => m.Platform is not null).Select(m => m.Platform!.ToString()).Distinct());
        throw new InvalidDataException($"image index {indexDigest} has no manifest for {wanted} (available: {available})");
    }
}
