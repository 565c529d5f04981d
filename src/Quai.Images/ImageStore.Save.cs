using Quai.Images.Archives;
using Quai.Oci.Image;

namespace Quai.Images;

public sealed partial class ImageStore
{
    /// <summary><c>docker save</c>: writes the named images (names keep their tags; IDs are saved untagged).</summary>
    public void Save(IReadOnlyList<string> namesOrIds, Stream output, ArchiveFormat format = ArchiveFormat.Docker)
    {
        var images = new List<(ResolvedImage, List<Reference>)>();
        var byId = new Dictionary<string, List<Reference>>();
        foreach (var n in namesOrIds)
        {
            var rec = Find(n);
            if (!byId.TryGetValue(rec.Id, out var names))
            {
                byId[rec.Id] = names = [];
                images.Add((Describe(rec), names));
            }
            if (IsIdLike(n, rec)) continue;
            var reference = Reference.Parse(n);
            if (reference.Tag is not null && !names.Contains(reference)) names.Add(reference.Digest is null ? reference : reference.WithTag(reference.Tag));
        }
        ArchiveWriter.Write(this, images, output, format);
    }

    private static bool IsIdLike(string s, Metadata.ImageRecord rec)
    {
        var hex = s.StartsWith("sha256:", StringComparison.Ordinal) ? s[7..] : s;
        return Digest.IsHex(hex) && (rec.Id.AsSpan(7).StartsWith(hex) || rec.TargetDigest.AsSpan(7).StartsWith(hex) || rec.ManifestDigest.AsSpan(7).StartsWith(hex));
    }
}
