using System.CommandLine;
using Quai.Cli.Commands.Containers;
using Quai.Cli.Output;
using Quai.Engine;

namespace Quai.Cli.Commands.Sys;

/// <summary>The <c>system</c> group: <c>df</c>, from the engine's <see cref="ContainerEngine.DiskUsage"/>.</summary>
public static class SystemCommands
{
    public static void Register(CliContext cli)
    {
        var system = new Command("system", "Manage Quai");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show detailed information on space usage" };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')" };
        var df = new Command("df", "Show disk usage") { verbose, format };
        df.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var u = engine.DiskUsage();
            // the build cache is Quai.Build's: its entries, each the layer its step added (see StepCache.Usage)
            var cache = Quai.Build.Executor.StepCache.For(engine.Images.Root).Usage(engine.Images);
            u = u with { BuildCache = new UsageRow(cache.Count, cache.Count(c => c.InUse), cache.Sum(c => c.Size), cache.Where(c => c.Reclaimable).Sum(c => c.Size)) };
            var rows = new List<object?>();
            static string Reclaimable(UsageRow r) => $"{Units.HumanSize(r.Reclaimable)} ({(r.Size == 0 ? 0 : (int)(100.0 * r.Reclaimable / r.Size))}%)";
            void Row(string name, UsageRow r, bool percent = true) => rows.Add(TemplateOutput.Row("*formatter.diskUsageContext", TemplateOutput.ToElement(w =>
            {
                w.WriteStartObject();
                w.WriteString("Active", r.Active.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("Reclaimable", percent ? Reclaimable(r) : Units.HumanSize(r.Reclaimable));
                w.WriteString("Size", Units.HumanSize(r.Size));
                w.WriteString("TotalCount", r.Total.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("Type", name);
                w.WriteEndObject();
            })));
            Row("Images", u.Images);
            Row("Containers", u.Containers);
            Row("Local Volumes", u.Volumes);
            Row("Build Cache", u.BuildCache, percent: false);
            if (p.GetValue(verbose) && p.GetValue(format) is null) DiskUsageVerbose.Write(cli.Out, engine);
            else TemplateOutput.WriteList(cli.Out, p.GetValue(format), "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", rows,
                new Dictionary<string, string> { ["Type"] = "TYPE", ["TotalCount"] = "TOTAL", ["Active"] = "ACTIVE", ["Size"] = "SIZE", ["Reclaimable"] = "RECLAIMABLE" });
            if (p.GetValue(verbose) && p.GetValue(format) is null)
            {
                cli.Out.WriteLine($"Build cache usage: {Units.HumanSize(u.BuildCache.Size)}");
                cli.Out.WriteLine();
                var t = new TableWriter();
                t.AddRow("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED");
                foreach (var c in cache.OrderByDescending(c => c.Record.LastUsed))
                    t.AddRow(c.Record.Key[..12], c.Type, Units.HumanSize(c.Size), Units.Ago(c.Record.Created), Units.Ago(c.Record.LastUsed),
                        c.Record.Usage.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Shared ? "true" : "false");
                t.WriteTo(cli.Out);
            }
            return 0;
        }));
        system.Add(df);
        system.Add(InfoCommand.Create(cli));
        system.Add(SystemPrune.Create(cli));
        cli.Add(system);
        cli.Add(InfoCommand.Create(cli));
        cli.Add(VersionCommand.Create(cli));
        system.Add(EventsCommand.Create(cli));
        cli.Add(EventsCommand.Create(cli));
    }
}
