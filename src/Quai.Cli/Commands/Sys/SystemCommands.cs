using System.CommandLine;
using Quai.Cli.Output;

namespace Quai.Cli.Commands.Sys;

/// <summary>The <c>system</c> group. Only <c>df</c>'s Images row is filled in by the image store;
/// the container engine owns the other rows.</summary>
public static class SystemCommands
{
    public static void Register(CliContext cli)
    {
        var system = new Command("system", "Manage Quai");
        var df = new Command("df", "Show disk usage");
        df.SetAction(p => cli.Run(p, store =>
        {
            var u = store.DiskUsage();
            var table = new TableWriter();
            table.AddRow("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
            var pct = u.Size == 0 ? 0 : (int)(100.0 * u.Reclaimable / u.Size);
            table.AddRow("Images", u.Total.ToString(), u.Active.ToString(), Units.HumanSize(u.Size), $"{Units.HumanSize(u.Reclaimable)} ({pct}%)");
            table.AddRow("Containers", "0", "0", "0B", "0B");
            table.AddRow("Local Volumes", "0", "0", "0B", "0B");
            table.AddRow("Build Cache", "0", "0", "0B", "0B");
            table.WriteTo(cli.Out);
            return 0;
        }));
        system.Add(df);
        cli.Add(system);
    }
}
