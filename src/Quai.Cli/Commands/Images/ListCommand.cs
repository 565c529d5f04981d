using System.CommandLine;
using Quai.Cli.Output;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary><c>images</c> / <c>image ls</c>.</summary>
public static class ListCommand
{
    public static Command Create(CliContext cli, string name, params string[] aliases)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all images (default hides intermediate images)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs" };
        var digests = new Option<bool>("--digests") { Description = "Show digests" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Filter output based on conditions provided (dangling, label, reference, before, since)", AllowMultipleArgumentsPerToken = false };
        var format = new Option<string?>("--format") { Description = "Format output using a Go template ('table', 'json', or '{{.Field}}')" };
        var repo = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command(name, "List images") { all, quiet, digests, noTrunc, filter, format, repo };
        foreach (var a in aliases) cmd.Aliases.Add(a);
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var filters = ImageFilter.Parse(p.GetValue(filter) ?? [], store);
            if (p.GetValue(repo) is { } r) filters.Add(ImageFilter.ReferenceMatch(r));
            bool nt = p.GetValue(noTrunc);
            var inUse = store.ImagesInUse();
            var showSteps = p.GetValue(all);
            var fmt = p.GetValue(format);
            var showDigests = p.GetValue(digests);
            if (fmt is null or "table")
            {
                fmt = showDigests
                    ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
            }
            else if (showDigests && fmt.StartsWith("table", StringComparison.Ordinal) && !fmt.Contains("{{.Digest}}", StringComparison.Ordinal))
                fmt += "\t{{.Digest}}"; // Docker adds the column to a table of one's own
            var needDigest = showDigests || fmt.Contains(".Digest", StringComparison.Ordinal) || fmt == "json";
            var repoDigests = store.Metadata.AllRepoDigests().ToLookup(d => d.ImageId, d => d.Name);
            var rows = new List<ImageRow>();
            foreach (var (img, tags) in store.List().OrderByDescending(i => i.Image.Created ?? i.Image.Added))
            {
                var pulledAs = repoDigests[img.Id].ToList();
                if (tags.Count == 0 && pulledAs.Count == 0 && img.BuildStep && !showSteps) continue; // a build's intermediate step
                var containers = inUse.Contains(img.Id) ? 1 : 0;
                var candidate = ImageRow.For(img, tags, pulledAs, containers, needDigest, showDigests);
                rows.AddRange(candidate.Where(row => filters.All(f => f(row, tags))));
            }
            if (p.GetValue(quiet))
            {
                foreach (var row in rows) cli.Out.WriteLine(row.Id(nt)); // one per row, as Docker does
                return 0;
            }
            TemplateOutput.WriteList(cli.Out, fmt, fmt, rows.Select(row => (object?)TemplateOutput.Row("*formatter.imageContext", row.ToJson(nt))), ImageRow.Headers);
            return 0;
        }));
        return cmd;
    }
}

/// <summary>Docker's image filters.</summary>
internal static class ImageFilter
{
    public delegate bool Predicate(ImageRow row, IReadOnlyList<string> tags);

    public static List<Predicate> Parse(IEnumerable<string> specs, ImageStore store)
    {
        var result = new List<Predicate>();
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0) throw new UsageException($"bad format of filter (expected name=value): {spec}");
            var key = spec[..eq].ToLowerInvariant();
            var value = spec[(eq + 1)..];
            switch (key)
            {
                case "dangling":
                    bool dangling = value switch
                    {
                        "true" or "1" => true,
                        "false" or "0" => false,
                        _ => throw new UsageException($"invalid filter 'dangling={value}'"),
                    };
                    // Docker: dangling means untagged (an image pulled by digest is listed by both values)
                    result.Add((row, tags) => dangling ? tags.Count == 0 : tags.Count > 0 || row.Digest != "<none>");
                    break;
                case "reference":
                    result.Add(ReferenceMatch(value));
                    break;
                case "label":
                    result.Add((row, _) => LabelMatch(store, row, value));
                    break;
                case "before":
                    var before = store.Find(value);
                    result.Add((row, _) => row.Image.Created < before.Created);
                    break;
                case "until":
                    var until = Quai.Engine.Events.DockerTime.Parse(value, DateTimeOffset.Now);
                    result.Add((row, _) => row.Image.Created is { } c && c < until);
                    break;
                case "label!":
                    result.Add((row, _) => !LabelMatch(store, row, value));
                    break;
                case "since":
                    var since = store.Find(value);
                    result.Add((row, _) => row.Image.Created > since.Created);
                    break;
                default:
                    throw new UsageException($"invalid filter '{key}'");
            }
        }
        return result;
    }

    public static Predicate ReferenceMatch(string pattern)
    {
        // A plain name ("busybox", "docker.io/library/busybox:1.36") matches like Docker: normalised, exact.
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            Reference? wanted = null;
            try { wanted = Reference.ParseNormalized(pattern); } catch (FormatException) { }
            if (wanted is not null)
                return (row, _) => row.Repository != "<none>" && Reference.ParseNormalized(row.Repository).Repository == wanted.Repository
                    && (wanted.Tag is null || wanted.Tag == row.Tag);
        }
        return GlobMatch(pattern);
    }

    private static Predicate GlobMatch(string pattern) => (row, _) =>
    {
        if (row.Repository == "<none>") return false;
        var withTag = row.Repository + ":" + row.Tag;
        return Glob(pattern, row.Repository) || Glob(pattern, withTag);
    };

    private static bool LabelMatch(ImageStore store, ImageRow row, string spec)
    {
        var config = ImageJson.ParseConfig(store.Content.ReadAll(Digest.Parse(row.Image.ConfigDigest)), "config");
        var labels = config.Config?.Labels;
        if (labels is null) return false;
        int eq = spec.IndexOf('=');
        return eq < 0 ? labels.ContainsKey(spec) : labels.TryGetValue(spec[..eq], out var v) && v == spec[(eq + 1)..];
    }

    /// <summary>Go's path.Match: '*' does not cross '/', '?' is one character.</summary>
    public static bool Glob(string pattern, string s)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", "[^/]*").Replace("\\?", "[^/]") + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(s, regex);
    }
}
