using System.Text.Json;
using Quai.Cli.Output;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary>One line of <c>images</c>, with Docker's --format field names. <see cref="Digest"/> is a repo digest the
/// image was pulled or pushed as in <see cref="Repository"/>, <c>&lt;none&gt;</c> when it has none there (or the
/// digests are not asked for), empty on the one line of a digest-only repository shown without <c>--digests</c>.</summary>
internal sealed record ImageRow(ImageRecord Image, string Repository, string Tag, string Digest, int Containers)
{
    /// <summary>A line without a digest (what the filters of <c>image prune</c> look at).</summary>
    public ImageRow(ImageRecord image, string repository, string tag, int containers) : this(image, repository, tag, "<none>", containers) { }

    /// <summary>Docker's lines of one image: per repository, a line per tag (times each of the repository's digests
    /// when <paramref name="needDigest"/>), then the repositories it has only digests in (a line per digest with
    /// <paramref name="showDigests"/>, else one); an image with neither is one <c>&lt;none&gt;</c> line.</summary>
    public static List<ImageRow> For(ImageRecord image, IReadOnlyList<string> tags, IReadOnlyList<string> repoDigests, int containers, bool needDigest, bool showDigests)
    {
        if (tags.Count == 0 && repoDigests.Count == 0) return [new ImageRow(image, "<none>", "<none>", "<none>", containers)];
        var rows = new List<ImageRow>();
        var digestsByRepo = repoDigests.Select(d => Reference.ParseNormalized(d)).GroupBy(r => r.FamiliarRepository)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Digest!.Value.ToString()).ToList());
        foreach (var group in tags.Select(Split).GroupBy(t => t.Repository))
        {
            var digests = needDigest && digestsByRepo.TryGetValue(group.Key, out var d) ? d : [];
            digestsByRepo.Remove(group.Key);
            foreach (var (repo, tag) in group)
            {
                if (digests.Count == 0) rows.Add(new ImageRow(image, repo, tag, "<none>", containers));
                else rows.AddRange(digests.Select(dg => new ImageRow(image, repo, tag, dg, containers)));
            }
        }
        foreach (var (repo, digests) in digestsByRepo.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            if (showDigests) rows.AddRange(digests.Select(dg => new ImageRow(image, repo, "<none>", dg, containers)));
            else rows.Add(new ImageRow(image, repo, "<none>", "", containers));
        }
        return rows;
    }

    public string Id(bool noTrunc) => noTrunc ? Image.Id : Oci.Image.Digest.Parse(Image.Id).Short;

    public JsonElement ToJson(bool noTrunc)
    {
        return TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            w.WriteString("Containers", Containers == 0 ? "N/A" : Containers.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("CreatedAt", Image.Created?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss '+0000 UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "");
            w.WriteString("CreatedSince", Units.Ago(Image.Created));
            w.WriteString("Digest", Digest);
            w.WriteString("ID", Id(noTrunc));
            w.WriteString("Repository", Repository);
            w.WriteString("SharedSize", "N/A");
            w.WriteString("Size", Units.HumanSize(Image.Size));
            w.WriteString("Tag", Tag);
            w.WriteString("UniqueSize", "N/A");
            w.WriteString("VirtualSize", Units.HumanSize(Image.Size));
            w.WriteEndObject();
        });
    }

    public static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["Repository"] = "REPOSITORY", ["Tag"] = "TAG", ["ID"] = "IMAGE ID", ["Digest"] = "DIGEST",
        ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["Size"] = "SIZE", ["Containers"] = "CONTAINERS",
        ["SharedSize"] = "SHARED SIZE", ["UniqueSize"] = "UNIQUE SIZE", ["VirtualSize"] = "SIZE",
    };

    /// <summary>Splits a stored full tag name into Docker's REPOSITORY and TAG columns.</summary>
    public static (string Repository, string Tag) Split(string fullName)
    {
        var r = Reference.Parse(fullName);
        return (r.FamiliarRepository, r.Tag ?? "<none>");
    }
}
