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
        var df = new Command("df", "Show disk usage");
        df.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var u = engine.DiskUsage();
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
            return 0;
        }));
        system.Add(df);
        cli.Add(system);
    }
}
