using System.CommandLine;
using System.Text.Json;
using Quai.Cli.Commands.Containers;
using Quai.Cli.Output;
using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Volumes;

/// <summary>`volume create/ls/inspect/rm/prune` (local driver).</summary>
public static class VolumeCommands
{
    public static void Register(CliContext cli)
    {
        var volume = new Command("volume", "Manage volumes");

        var labels = new Option<string[]>("--label") { Description = "Set metadata for a volume", AllowMultipleArgumentsPerToken = false };
        var driver = new Option<string?>("--driver", "-d") { Description = "Specify volume driver name (local)" };
        var nameArg = new Argument<string?>("VOLUME") { Arity = ArgumentArity.ZeroOrOne };
        var create = new Command("create", "Create a volume") { labels, driver, nameArg };
        create.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            if (p.GetValue(driver) is { } d && d != "local") throw new EngineUsageException($"plugin \"{d}\" not found");
            var l = (p.GetValue(labels) ?? []).ToDictionary(x => x.Split('=', 2)[0], x => x.Contains('=') ? x.Split('=', 2)[1] : "");
            cli.Out.WriteLine(engine.Volumes.Create(p.GetValue(nameArg), l).Name);
            return 0;
        }));
        volume.Add(create);

        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display volume names" };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Provide filter values (e.g. \"dangling=true\")", AllowMultipleArgumentsPerToken = false };
        var ls = new Command("ls", "List volumes") { quiet, format, filter };
        ls.Aliases.Add("list");
        ls.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var vols = engine.Volumes.List();
            var used = engine.Store.All().SelectMany(c => c.Mounts).Where(m => m.Name is not null).Select(m => m.Name!).ToHashSet();
            foreach (var f in p.GetValue(filter) ?? [])
            {
                var kv = f.Split('=', 2);
                vols = kv[0] switch
                {
                    "dangling" => vols.Where(v => (kv.Length > 1 && kv[1] is "true" or "1") != used.Contains(v.Name)).ToList(),
                    "name" => vols.Where(v => v.Name.Contains(kv.ElementAtOrDefault(1) ?? "")).ToList(),
                    "label" => vols.Where(v => v.Labels.ContainsKey((kv.ElementAtOrDefault(1) ?? "").Split('=')[0])).ToList(),
                    _ => throw new EngineUsageException($"invalid filter '{kv[0]}'"),
                };
            }
            if (p.GetValue(quiet)) { foreach (var v in vols) cli.Out.WriteLine(v.Name); return 0; }
            var headers = new Dictionary<string, string>
            {
                ["Driver"] = "DRIVER", ["Name"] = "VOLUME NAME", ["Mountpoint"] = "MOUNTPOINT", ["Scope"] = "SCOPE", ["Labels"] = "LABELS",
                ["Links"] = "LINKS", ["Size"] = "SIZE", ["Label"] = "LABEL",
            };
            TemplateOutput.WriteList(cli.Out, p.GetValue(format), "table {{.Driver}}\t{{.Name}}", vols.Select(v => (object?)TemplateOutput.Row("*formatter.volumeContext", VolumeRow(v), v.Labels)), headers);
            return 0;
        }));
        volume.Add(ls);

        var inspectFormat = new Option<string?>("--format", "-f") { Description = "Format output using a custom template" };
        var names = new Argument<string[]>("VOLUME") { Arity = ArgumentArity.OneOrMore };
        var inspect = new Command("inspect", "Display detailed information on one or more volumes") { inspectFormat, names };
        inspect.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var rc = 0;
            var found = new List<Quai.Engine.Volumes.Volume>();
            foreach (var n in p.GetValue(names)!)
            {
                try { found.Add(engine.Volumes.Get(n)); }
                catch (NotFoundException e) { EngineCli.Daemon(cli, e.Message, 1); rc = 1; }
            }
            var docs = found.Select(VolumeJson).ToList();
            var f = p.GetValue(inspectFormat);
            if (f is null or "" or "json") { TemplateOutput.InspectJson(cli, docs, compact: f == "json"); return rc; }
            var errors = new List<string>();
            var r = TemplateOutput.Inspect(cli, f, docs.Select(d => (d, InspectShapes.Volume)), errors);
            foreach (var e in errors) cli.Err.WriteLine(e);
            return rc != 0 ? rc : r;
        }));
        volume.Add(inspect);

        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of one or more volumes" };
        var rmNames = new Argument<string[]>("VOLUME") { Arity = ArgumentArity.OneOrMore };
        var rm = new Command("rm", "Remove one or more volumes") { force, rmNames };
        rm.Aliases.Add("remove");
        rm.SetAction(p => EngineCli.ForEach(cli, p, p.GetValue(rmNames)!, (engine, n) => engine.Volumes.Remove(n, engine.VolumeUsers(n), p.GetValue(force))));
        volume.Add(rm);

        var pruneForce = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var pruneAll = new Option<bool>("--all", "-a") { Description = "Remove all unused volumes, not just anonymous ones" };
        var prune = new Command("prune", "Remove unused local volumes") { pruneForce, pruneAll };
        prune.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            if (!p.GetValue(pruneForce))
            {
                cli.Out.Write("WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ");
                if (Quai.Cli.Output.StdStreams.In.ReadLine() is not { } a || !a.Trim().StartsWith('y')) return 0;
            }
            var used = engine.Store.All().SelectMany(c => c.Mounts).Where(m => m.Name is not null).Select(m => m.Name!).ToHashSet();
            var removed = new List<string>();
            foreach (var v in engine.Volumes.List())
            {
                if (used.Contains(v.Name)) continue;
                if (!p.GetValue(pruneAll) && !v.Labels.ContainsKey("com.docker.volume.anonymous")) continue;
                try { engine.Volumes.Remove(v.Name, []); removed.Add(v.Name); } catch (Exception) { }
            }
            if (removed.Count > 0)
            {
                cli.Out.WriteLine("Deleted Volumes:");
                foreach (var r in removed) cli.Out.WriteLine(r);
                cli.Out.WriteLine();
            }
            cli.Out.WriteLine("Total reclaimed space: 0B");
            return 0;
        }));
        volume.Add(prune);
        cli.Add(volume);
    }

    private static JsonElement VolumeJson(Quai.Engine.Volumes.Volume v) =>
        TemplateOutput.ToElement(w => JsonSerializer.Serialize(w, v, EngineJsonContext.Default.Volume));

    /// <summary>docker's volume ls row: Driver, Labels (k=v,…), Links, Mountpoint, Name, Scope, Size.</summary>
    private static JsonElement VolumeRow(Quai.Engine.Volumes.Volume v) => TemplateOutput.ToElement(w =>
    {
        w.WriteStartObject();
        w.WriteString("Driver", v.Driver);
        w.WriteString("Labels", string.Join(',', v.Labels.Select(kv => kv.Key + "=" + kv.Value)));
        w.WriteString("Links", "N/A");
        w.WriteString("Mountpoint", v.Mountpoint);
        w.WriteString("Name", v.Name);
        w.WriteString("Scope", "local");
        w.WriteString("Size", "N/A");
        w.WriteEndObject();
    });
}
