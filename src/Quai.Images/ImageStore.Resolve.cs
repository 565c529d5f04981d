using Microsoft.Data.Sqlite;
using System.Text.RegularExpressions;
using Quai.Images.Content;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>A resolved image: its record, tags, and parsed config.</summary>
public sealed record ResolvedImage(ImageRecord Record, IReadOnlyList<string> Tags, ImageConfig Config, Manifest Manifest)
{
    public string Id => Record.Id;
    public string? TopChain => Record.TopChain;
}

public sealed partial class ImageStore
{
    /// <summary>Finds an image by name[:tag], name@digest (a repo digest, else a manifest or index digest), full or
    /// short image ID (Docker's lookup order: a full ID, then a reference, then an ID prefix). Throws <see cref="ImageNotFoundException"/>.</summary>
    public ImageRecord Find(string nameOrId, SqliteTransaction? tx = null) => TryFind(nameOrId, tx) ?? throw new ImageNotFoundException(DisplayName(nameOrId));

    public ImageRecord? TryFind(string nameOrId, SqliteTransaction? tx = null)
    {
        var s = nameOrId.Trim();
        if (s.StartsWith("sha256:", StringComparison.Ordinal))
        {
            var hex = s["sha256:".Length..];
            if (hex.Length == 64) return Metadata.Image(s, tx) ?? Metadata.ImagesByTargetOrManifest(s, tx).FirstOrDefault();
            return Digest.IsHex(hex) ? UniquePrefix(hex, nameOrId, tx) : null;
        }
        if (FullHex().IsMatch(s)) return Metadata.Image("sha256:" + s, tx);
        Reference? reference = null;
        try { reference = Reference.Parse(s); } catch (FormatException) { }
        if (reference is not null)
        {
            if (reference.Digest is { } d)
            {
                // what it was pulled or pushed as first (`run host/app@sha256:…`), then any image with that manifest
                if (Metadata.RepoDigestTarget(reference.NameOnly().WithDigest(d).ToString(), tx) is { } pulled && Metadata.Image(pulled, tx) is { } image)
                    return image;
                var byDigest = Metadata.ImagesByTargetOrManifest(d.ToString(), tx);
                if (byDigest.Count > 0) return byDigest[0];
                if (reference.Tag is null) return null;
            }
            if (reference.Tag is not null)
            {
                var tagged = reference.Digest is null ? reference : reference.WithTag(reference.Tag);
                if (Metadata.TagTarget(tagged.ToString(), tx) is { } id) return Metadata.Image(id, tx);
            }
        }
        return ShortHex().IsMatch(s) ? UniquePrefix(s, nameOrId, tx) : null;
    }

    private ImageRecord? UniquePrefix(string hex, string original, SqliteTransaction? tx)
    {
        var matches = Metadata.ImagesByIdPrefix(hex, tx);
        if (matches.Count > 1) throw new ImageConflictException($"ambiguous image ID prefix {original}: matches {matches.Count} images");
        return matches.FirstOrDefault();
    }

    /// <summary>How Docker names a missing image in errors: references get their default tag.</summary>
    public static string DisplayName(string nameOrId)
    {
        try
        {
            if (ShortHex().IsMatch(nameOrId) || nameOrId.StartsWith("sha256:", StringComparison.Ordinal)) return nameOrId;
            return Reference.Parse(nameOrId).ToFamiliarString();
        }
        catch (FormatException) { return nameOrId; }
    }

    /// <summary>Resolves to the image, its tags, manifest and config (what a container engine needs to run it).</summary>
    public ResolvedImage Resolve(string nameOrId)
    {
        var rec = Find(nameOrId);
        try { return Describe(rec); }
        catch (BlobNotFoundException) when (Metadata.Image(rec.Id) is null)
        {
            // An rmi committed between the lookup and the read, and its collection took the blobs.
            throw new ImageNotFoundException(DisplayName(nameOrId));
        }
    }

    public ResolvedImage Describe(ImageRecord rec)
    {
        var manifest = ImageJson.ParseManifest(Content.ReadAll(Digest.Parse(rec.ManifestDigest)), $"manifest {rec.ManifestDigest}");
        var config = ImageJson.ParseConfig(Content.ReadAll(Digest.Parse(rec.ConfigDigest)), $"image config {rec.ConfigDigest}");
        return new ResolvedImage(rec, Metadata.TagsOf(rec.Id), config, manifest);
    }

    /// <summary>All images, newest first, with their tags.</summary>
    public List<(ImageRecord Image, List<string> Tags)> List()
    {
        var tags = Metadata.AllTags().ToLookup(t => t.ImageId, t => t.Name);
        return Metadata.Images().Select(i => (i, tags[i.Id].ToList())).ToList();
    }

    /// <summary>Image IDs used by containers (active snapshots prepared from them).</summary>
    public HashSet<string> ImagesInUse()
        => Metadata.Snapshots().Where(s => s.Kind == SnapshotKind.Active && s.ImageId is not null).Select(s => s.ImageId!).ToHashSet();

    /// <summary><c>docker tag</c>: points <paramref name="target"/> at the image <paramref name="source"/> names.</summary>
    public Reference Tag(string source, string target)
    {
        var reference = Reference.Parse(target);
        if (reference.Digest is not null) throw new FormatException($"refusing to create a tag with a digest reference: {target}");
        Metadata.Write(tx =>
        {
            var img = TryFind(source, tx) ?? throw new ImageNotFoundException(DisplayName(source));
            Metadata.SetTag(reference.ToString(), img.Id, tx);
        });
        return reference;
    }

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex FullHex();

    [GeneratedRegex("^[a-f0-9]{1,64}$")]
    private static partial Regex ShortHex();
}
