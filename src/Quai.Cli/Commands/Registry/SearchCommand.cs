using System.CommandLine;
using System.Text.Json;
using Quai.Cli.Output;
using Quai.Registry.Auth;
using Quai.Registry.Client;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>search [OPTIONS] TERM</c>: a registry's v1 search endpoint (Docker Hub's), or for a registry
/// without one (registry:2) its <c>/v2/_catalog</c> filtered by the term. Docker's table NAME DESCRIPTION STARS OFFICIAL.</summary>
public static class SearchCommand
{
    private static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["Name"] = "NAME", ["Description"] = "DESCRIPTION", ["StarCount"] = "STARS", ["IsOfficial"] = "OFFICIAL", ["IsAutomated"] = "AUTOMATED",
    };

    public static Command Create(CliContext cli)
    {
        var limit = new Option<int>("--limit") { Description = "Max number of search results", DefaultValueFactory = _ => 25 };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Filter output based on conditions provided (stars=N, is-official=true|false)" };
        var format = new Option<string?>("--format") { Description = "Pretty-print search using a Go template" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var term = new Argument<string>("TERM");
        var cmd = new Command("search", "Search Docker Hub for images") { limit, filter, format, noTrunc, term };
        cmd.SetAction(p => RegistryCommands.Run(cli, () =>
        {
            var n = p.GetValue(limit);
            if (n < 1 || n > 100) throw new RegistryException($"limit {n} is outside the range of [1, 100]");
            var (minStars, official, automated) = ParseFilters(p.GetValue(filter) ?? []);
            var (domain, name) = Split(p.GetValue(term)!);
            using var client = RegistryCommands.Client(CredentialStore.Open(), cli.Err);
            IReadOnlyList<SearchResult> results;
            try
            {
                results = client.SearchAsync(domain, name, n).GetAwaiter().GetResult();
            }
            catch (RegistryException e) when (e.StatusCode is 404 or 405 && domain != Quai.Oci.Image.Reference.DefaultDomain)
            {
                IReadOnlyList<string> repositories;
                try { repositories = client.CatalogAsync(domain).GetAwaiter().GetResult(); }
                catch (RegistryException c)
                {
                    throw c.Rephrase($"{domain} has no search endpoint (/v1/search answered {e.StatusCode}) and its catalog cannot be read: {c.Message}");
                }
                results = repositories.Where(r => r.Contains(name, StringComparison.OrdinalIgnoreCase)).Take(n)
                    .Select(r => new SearchResult { Name = $"{domain}/{r}" }).ToList();
            }
            var rows = results.Where(r => r.StarCount >= minStars && (official is null || r.IsOfficial == official)
                && (automated is null || r.IsAutomated == automated)).Take(n).ToList();

            bool trunc = !p.GetValue(noTrunc);
            TemplateOutput.WriteList(cli.Out, p.GetValue(format), "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}",
                rows.Select(r => (object?)TemplateOutput.Row("*registry.searchContext", Json(r, trunc))), Headers);
            return 0;
        }));
        return cmd;
    }

    /// <summary><c>host:5000/app</c> searches <c>app</c> on that registry; anything else searches Docker Hub.</summary>
    internal static (string Domain, string Name) Split(string term)
    {
        int slash = term.IndexOf('/');
        if (slash > 0)
        {
            var first = term[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost")
                return (RegistryCommands.Domain(first), term[(slash + 1)..]);
        }
        return (Quai.Oci.Image.Reference.DefaultDomain, term);
    }

    private static (int Stars, bool? Official, bool? Automated) ParseFilters(IEnumerable<string> specs)
    {
        int stars = 0;
        bool? official = null, automated = null;
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            var key = eq < 0 ? spec : spec[..eq];
            var value = eq < 0 ? "" : spec[(eq + 1)..];
            switch (key)
            {
                case "stars" when int.TryParse(value, out var s): stars = Math.Max(stars, s); break;
                case "stars": throw new RegistryException($"invalid filter 'stars={value}'");
                case "is-official" when bool.TryParse(value, out var o): official = o; break;
                case "is-automated" when bool.TryParse(value, out var a): automated = a; break;
                case "is-official" or "is-automated": throw new RegistryException($"invalid filter '{key}={value}'");
                default: throw new RegistryException($"invalid filter '{key}'");
            }
        }
        return (stars, official, automated);
    }

    private static JsonElement Json(SearchResult r, bool trunc)
    {
        var description = (r.Description ?? "").Replace("\n", " ", StringComparison.Ordinal);
        if (trunc && description.Length > 45) description = description[..44] + "…";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("Name", r.Name);
            w.WriteString("Description", description);
            w.WriteString("StarCount", r.StarCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("IsOfficial", r.IsOfficial ? "[OK]" : "");
            w.WriteString("IsAutomated", r.IsAutomated ? "[OK]" : "");
            w.WriteEndObject();
        }
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }
}
