using System.CommandLine;
using System.Text.Json;
using Quai.Cli.Output;
using Quai.Engine.Containers;
using Quai.Network.Networks;

namespace Quai.Cli.Commands.Networks;

/// <summary>`network ls`: docker's table (NETWORK ID, NAME, DRIVER, SCOPE), sorted by name; -q, --no-trunc,
/// --filter (name, id, driver, label, type=custom|builtin, scope, dangling) and --format.</summary>
public static class NetworkListCommand
{
    public static Command Create(CliContext cli)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display network IDs" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Do not truncate the output" };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Provide filter values (e.g. \"driver=bridge\")", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("ls", "List networks") { quiet, noTrunc, format, filter };
        cmd.Aliases.Add("list");
        cmd.SetAction(p => NetworkCommands.Run(cli, p, engine =>
        {
            engine.Networks.EnsurePredefined();
            var all = engine.Networks.Store.List();
            var filters = Filters(p.GetValue(filter));
            var used = filters.ContainsKey("dangling") ? all.Where(n => engine.Networks.Store.Endpoints(n.Id).Count > 0 || engine.NetworkUsers(n).Count > 0).Select(n => n.Id).ToHashSet() : [];
            var list = all.Where(n => Matches(n, filters, used)).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
            var trunc = !p.GetValue(noTrunc);
            if (p.GetValue(quiet)) { foreach (var n in list) cli.Out.WriteLine(trunc ? n.Id[..12] : n.Id); return 0; }
            var headers = new Dictionary<string, string>
            {
                ["ID"] = "NETWORK ID", ["Name"] = "NAME", ["Driver"] = "DRIVER", ["Scope"] = "SCOPE", ["IPv4"] = "IPV4", ["IPv6"] = "IPV6",
                ["Internal"] = "INTERNAL", ["Labels"] = "LABELS", ["CreatedAt"] = "CREATED AT", ["Label"] = "LABEL",
            };
            TemplateOutput.WriteList(cli.Out, p.GetValue(format), "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                list.Select(n => (object?)TemplateOutput.Row("*formatter.networkContext", Row(n, trunc), n.Labels)), headers);
            return 0;
        }));
        return cmd;
    }

    private static Dictionary<string, List<string>> Filters(string[]? items)
    {
        var d = new Dictionary<string, List<string>>();
        foreach (var f in items ?? [])
        {
            var eq = f.IndexOf('=');
            if (eq <= 0) throw new EngineUsageException($"bad format of filter (expected name=value)");
            var key = f[..eq].ToLowerInvariant();
            if (key is not ("name" or "id" or "driver" or "label" or "type" or "scope" or "dangling"))
                throw new EngineUsageException($"invalid filter '{key}'");
            var value = f[(eq + 1)..];
            if (key == "type" && value is not ("custom" or "builtin")) throw new EngineUsageException($"invalid filter: 'type'='{value}'");
            if (key == "dangling" && value is not ("true" or "false" or "1" or "0")) throw new EngineUsageException($"invalid filter 'dangling={value}'");
            (d.TryGetValue(key, out var l) ? l : d[key] = []).Add(value);
        }
        return d;
    }

    /// <summary>Docker's semantics: values of one key are alternatives, keys all apply.</summary>
    private static bool Matches(NetworkRecord n, Dictionary<string, List<string>> f, HashSet<string> used)
    {
        foreach (var (key, values) in f)
        {
            var ok = key switch
            {
                "name" => values.Any(v => n.Name.Contains(v, StringComparison.Ordinal)),
                "id" => values.Any(v => n.Id.Contains(v, StringComparison.Ordinal)),
                "driver" => values.Contains(n.Driver),
                "label" => values.Any(v => v.IndexOf('=') is var eq and > 0 ? n.Labels.GetValueOrDefault(v[..eq]) == v[(eq + 1)..] : n.Labels.ContainsKey(v)),
                "type" => values.Any(v => v == "builtin" ? n.Predefined : !n.Predefined),
                "scope" => values.Contains(n.Scope),
                "dangling" => values.Any(v => (v is "true" or "1") == (!n.Predefined && !used.Contains(n.Id))),
                _ => true,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>prune's --filter label=…/label!=… (until is accepted and ignored: records keep no reliable age yet).</summary>
    public static bool LabelFilters(string[]? items, NetworkRecord n)
    {
        foreach (var f in items ?? [])
        {
            var eq = f.IndexOf('=');
            if (eq <= 0) throw new EngineUsageException("bad format of filter (expected name=value)");
            var (key, value) = (f[..eq], f[(eq + 1)..]);
            bool Has() => value.IndexOf('=') is var e and > 0 ? n.Labels.GetValueOrDefault(value[..e]) == value[(e + 1)..] : n.Labels.ContainsKey(value);
            if (key == "label" && !Has()) return false;
            if (key == "label!" && Has()) return false;
            if (key is not ("label" or "label!" or "until")) throw new EngineUsageException($"invalid filter '{key}'");
        }
        return true;
    }

    private static JsonElement Row(NetworkRecord n, bool trunc) => TemplateOutput.ToElement(w =>
    {
        w.WriteStartObject();
        w.WriteString("CreatedAt", Created(n.Created));
        w.WriteString("Driver", n.Driver);
        w.WriteString("ID", trunc ? n.Id[..12] : n.Id);
        w.WriteString("IPv4", n.EnableIPv4 ? "true" : "false");
        w.WriteString("IPv6", n.EnableIPv6 ? "true" : "false");
        w.WriteString("Internal", n.Internal ? "true" : "false");
        w.WriteString("Labels", string.Join(',', n.Labels.Select(kv => kv.Key + "=" + kv.Value)));
        w.WriteString("Name", n.Name);
        w.WriteString("Scope", n.Scope);
        w.WriteEndObject();
    });

    /// <summary>Go's time.Time String() as docker prints CreatedAt ("2024-01-02 03:04:05.123456789 +0000 UTC").</summary>
    private static string Created(string rfc3339) =>
        DateTime.TryParse(rfc3339, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var t)
            ? t.ToString("yyyy-MM-dd HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.') + " +0000 UTC" : rfc3339;
}
