using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quai.Cli.Output;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Files;

namespace Quai.Cli.Commands.Containers;

/// <summary>`ps` / `container ls`: Docker's columns, status texts, filters and --format.</summary>
public static partial class PsCommand
{
    public static Command Create(CliContext cli, string name, params string[] aliases)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display container IDs" };
        var latest = new Option<bool>("--latest", "-l") { Description = "Show the latest created container (includes all states)" };
        var last = new Option<int>("--last", "-n") { Description = "Show n last created containers (includes all states)", DefaultValueFactory = _ => -1 };
        var size = new Option<bool>("--size", "-s") { Description = "Display total file sizes" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Filter output based on conditions provided", AllowMultipleArgumentsPerToken = false };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')" };
        var cmd = new Command(name, "List containers") { all, quiet, latest, last, size, noTrunc, filter, format };
        foreach (var a in aliases) cmd.Aliases.Add(a);
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var list = engine.List();
            var n = p.GetValue(latest) ? 1 : p.GetValue(last);
            var showAll = p.GetValue(all) || n > 0;
            var filters = (p.GetValue(filter) ?? []).Select(f =>
            {
                var eq = f.IndexOf('=');
                if (eq <= 0) throw new UsageException($"bad format of filter (expected name=value)");
                var key = f[..eq].ToLowerInvariant();
                if (key is not ("status" or "name" or "id" or "label" or "exited" or "ancestor" or "health" or "volume" or "before" or "since"))
                    throw new InvalidParameterException($"invalid filter '{key}'");
                var value = f[(eq + 1)..];
                if (key == "status" && value is not ("created" or "restarting" or "running" or "removing" or "paused" or "exited" or "dead"))
                    throw new InvalidParameterException($"invalid filter '{f}'");
                // before=/since= name a container: compared by creation time (its record's Created)
                if (key is "before" or "since") value = engine.Inspect(value).Created;
                return (Key: key, Value: value);
            }).ToList();
            if (filters.Any(f => f.Key is "status" or "exited")) showAll = true;
            IEnumerable<Container> rows = list;
            if (!showAll) rows = rows.Where(c => c.State.Status is "running" or "paused" or "restarting");
            rows = rows.Where(c => Matches(c, filters));
            if (n > 0) rows = rows.Take(n);
            var items = rows.ToList();
            var trunc = !p.GetValue(noTrunc);
            if (p.GetValue(quiet))
            {
                foreach (var c in items) cli.Out.WriteLine(trunc ? c.ShortId : c.Id);
                return 0;
            }
            var withSize = p.GetValue(size);
            var defaultTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}" + (withSize ? "\t{{.Size}}" : "");
            TemplateOutput.WriteList(cli.Out, p.GetValue(format), defaultTable,
                items.Select(c => (object?)TemplateOutput.Row("*formatter.ContainerContext", Row(engine, c, trunc, withSize), c.Config.Labels)), Headers);
            return 0;
        }));
        return cmd;
    }

    private static bool Matches(Container c, List<(string Key, string Value)> filters)
    {
        foreach (var group in filters.GroupBy(f => f.Key))
        {
            var ok = group.Any(f => f.Key switch
            {
                "status" => c.State.Status == f.Value,
                "name" => Regex.IsMatch(c.PlainName, f.Value),
                "id" => c.Id.StartsWith(f.Value, StringComparison.Ordinal),
                "label" => f.Value.Contains('=')
                    ? c.Config.Labels.TryGetValue(f.Value[..f.Value.IndexOf('=')], out var v) && v == f.Value[(f.Value.IndexOf('=') + 1)..]
                    : c.Config.Labels.ContainsKey(f.Value),
                "exited" => c.State.Status == "exited" && c.State.ExitCode.ToString() == f.Value,
                "ancestor" => c.Config.Image == f.Value || c.Image == f.Value || c.Image.StartsWith("sha256:" + f.Value, StringComparison.Ordinal),
                "health" => (c.State.Health?.Status ?? "none") == f.Value,
                "volume" => c.Mounts.Any(m => m.Name == f.Value || m.Destination == f.Value),
                "before" => string.CompareOrdinal(c.Created, f.Value) < 0,
                "since" => string.CompareOrdinal(c.Created, f.Value) > 0,
                _ => false,
            });
            if (!ok) return false;
        }
        return true;
    }

    private static readonly Dictionary<string, string> Headers = new()
    {
        ["ID"] = "CONTAINER ID", ["Image"] = "IMAGE", ["Command"] = "COMMAND", ["RunningFor"] = "CREATED", ["CreatedAt"] = "CREATED AT",
        ["Status"] = "STATUS", ["Ports"] = "PORTS", ["Names"] = "NAMES", ["Size"] = "SIZE", ["State"] = "STATE", ["Labels"] = "LABELS",
        ["Mounts"] = "MOUNTS", ["Networks"] = "NETWORKS", ["LocalVolumes"] = "LOCAL VOLUMES", ["Label"] = "LABEL", ["Platform"] = "PLATFORM",
    };

    public static string Status(Container c) => StatusText.For(c, DateTime.UtcNow);

    private static JsonElement Row(ContainerEngine engine, Container c, bool trunc, bool withSize)
    {
        var created = Times.Parse(c.Created) ?? DateTime.UtcNow;
        return TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            w.WriteString("Command", StatusText.Command(c, trunc));
            w.WriteString("CreatedAt", created.ToString("yyyy-MM-dd HH:mm:ss '+0000 UTC'"));
            w.WriteString("ID", trunc ? c.ShortId : c.Id);
            w.WriteString("Image", c.Config.Image);
            w.WriteString("Labels", string.Join(',', c.Config.Labels.Select(kv => kv.Key + "=" + kv.Value)));
            w.WriteString("LocalVolumes", c.Mounts.Count(m => m.Type == "volume").ToString());
            w.WriteString("Mounts", string.Join(',', c.Mounts.Select(m => m.Name ?? m.Source)));
            w.WriteString("Names", c.PlainName);
            w.WriteString("Networks", c.Quai.Networks.Count > 0 ? string.Join(',', c.Quai.Networks.Select(a => a.Name)) : c.HostConfig.NetworkMode);
            w.WriteString("Ports", c.State.Running ? PortText.Ps(engine.PublishedPorts(c.Id), c.Config.ExposedPorts?.Keys.ToList() ?? []) : "");
            w.WriteString("RunningFor", Units.HumanDuration(DateTime.UtcNow - created) + " ago");
            w.WriteString("Size", withSize ? SizeText(engine, c) : "0B");
            w.WriteString("State", c.State.Status);
            w.WriteString("Status", Status(c));
            w.WriteEndObject();
        });
    }

    private static string SizeText(ContainerEngine engine, Container c)
    {
        long rw = 0;
        try { rw = ContainerChanges.WritableSize(c); } catch (Exception) { }
        return Units.HumanSize(rw);
    }
}
