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
        var df = new Command("df", "Show disk usage") { verbose };
        df.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var u = engine.DiskUsage();
            // the build cache is Quai.Build's: its entries, each the layer its step added (see StepCache.Usage)
            var cache = Quai.Build.Executor.StepCache.For(engine.Images.Root).Usage(engine.Images);
            u = u with { BuildCache = new UsageRow(cache.Count, cache.Count(c => c.InUse), cache.Sum(c => c.Size), cache.Where(c => c.Reclaimable).Sum(c => c.Size)) };
            var table = new TableWriter();
            table.AddRow("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
            static string Reclaimable(UsageRow r) => $"{Units.HumanSize(r.Reclaimable)} ({(r.Size == 0 ? 0 : (int)(100.0 * r.Reclaimable / r.Size))}%)";
            void Row(string name, UsageRow r, bool percent = true)
                => table.AddRow(name, r.Total.ToString(), r.Active.ToString(), Units.HumanSize(r.Size), percent ? Reclaimable(r) : Units.HumanSize(r.Reclaimable));
            Row("Images", u.Images);
            Row("Containers", u.Containers);
            Row("Local Volumes", u.Volumes);
            Row("Build Cache", u.BuildCache, percent: false);
            table.WriteTo(cli.Out);
            if (p.GetValue(verbose))
            {
                cli.Out.WriteLine();
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
        cli.Add(system);
    }
}
