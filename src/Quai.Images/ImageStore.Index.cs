using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary>A multi-platform image made of images already in the store (what <c>build --platform a,b</c>
    /// makes): an OCI image index referencing each image's manifest with the platform its config names,
    /// stored and registered like an imported index (its ID is the index digest; the manifest for
    /// <paramref name="preferred"/>, else the host's, else the first, is the one unpacked and inspected).
    /// Two images of the same platform are refused.</summary>
    public ImageRecord CreateIndex(IReadOnlyList<string> imageIds, IEnumerable<Reference> tags, Platform? preferred = null)
    {
        if (imageIds.Count == 0) throw new ArgumentException("an image index needs at least one image", nameof(imageIds));
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex };
        var platforms = new List<Platform>();
        foreach (var id in imageIds)
        {
            var image = Describe(Find(id));
            if (MediaTypes.IsIndex(image.Record.TargetMediaType))
                throw new ArgumentException($"{id} is itself an image index; an index of indexes is not made");
            var platform = image.Config.Platform;
            if (platforms.Any(p => p.ToString() == platform.ToString()))
                throw new ArgumentException($"two images for platform {platform} in one index");
            platforms.Add(platform);
            index.Manifests.Add(new Descriptor
            {
                MediaType = image.Record.TargetMediaType, Digest = image.Record.ManifestDigest, Size = image.Record.TargetSize,
                Platform = new Platform { Os = platform.Os, Architecture = platform.Architecture, Variant = platform.Variant, OsVersion = platform.OsVersion },
            });
        }
        var select = new[] { preferred, Platform.Host() }.FirstOrDefault(p => p is not null && platforms.Any(p.Matches)) ?? platforms[0];
        return CleanupOnFailure(lease =>
        {
            foreach (var m in index.Manifests) lease.Add(Gc.Lease.Blob, m.Digest);
            var bytes = ImageJson.Serialize(index, ImageJsonContext.Default.ImageIndex);
            var (digest, size) = Content.Ingest(bytes, "image index", d => lease.Add(Gc.Lease.Blob, d.ToString()));
            return Register(lease, Descriptor.For(MediaTypes.OciIndex, digest, size), tags, select);
        });
    }

    /// <summary>The image of <paramref name="image"/> for <paramref name="wanted"/>: itself when its config says
    /// that platform; for an image index, the image of the matching manifest (registered from the index's
    /// blobs, and unpacked, when the store holds no image for it yet); null when there is none.</summary>
    public ImageRecord? ForPlatform(ImageRecord image, Platform wanted)
    {
        if (wanted.Matches(Describe(image).Config.Platform)) return image;
        if (!MediaTypes.IsIndex(image.TargetMediaType)) return null;
        var index = ImageJson.ParseIndex(Content.ReadAll(Digest.Parse(image.TargetDigest)), $"image index {image.TargetDigest}");
        var manifest = index.Manifests.FirstOrDefault(m => MediaTypes.IsManifest(m.MediaType) && wanted.Matches(m.Platform)
            && Digest.TryParse(m.Digest, out var d) && Content.Exists(d));
        if (manifest is null) return null;
        var existing = Metadata.ImagesByTargetOrManifest(manifest.Digest).FirstOrDefault(r => r.TargetDigest == manifest.Digest);
        return existing ?? CleanupOnFailure(lease =>
        {
            lease.Add(Gc.Lease.Blob, manifest.Digest);
            return Register(lease, manifest, []);
        });
    }

    /// <summary>The platforms an image index lists (empty for a single-platform image).</summary>
    public List<Platform> IndexPlatforms(ImageRecord image)
    {
        if (!MediaTypes.IsIndex(image.TargetMediaType)) return [];
        var index = ImageJson.ParseIndex(Content.ReadAll(Digest.Parse(image.TargetDigest)), $"image index {image.TargetDigest}");
        return index.Manifests.Where(m => m.Platform is not null).Select(m => m.Platform!).ToList();
    }
}
