using System.CommandLine;
using Quai.Cli.Commands.Volumes;
using Quai.Engine.Monitor;

namespace Quai.Cli.Commands.Containers;

/// <summary>The `container` group, Docker's top-level shortcuts (run, ps, rm, …), `volume`, and
/// `system restore`. Also the hidden `container-monitor` verb (handled before parsing).</summary>
public static class ContainerCommands
{
    public const string MonitorVerb = "container-monitor";

    /// <summary>Called first in Main: the monitor verb bypasses the CLI parser (small and fast).</summary>
    public static int? RunHidden(string[] args) =>
        args.Length > 0 && args[0] == MonitorVerb ? ContainerMonitor.Main(args) : null;

    private static Command Strict(CliContext cli, Command c) => c.Name == "top" ? c : cli.Strict(c);

    public static void Register(CliContext cli)
    {
        var container = new Command("container", "Manage containers");
        Command[] Both() =>
        [
            RunCommand.Create(cli, run: true), RunCommand.Create(cli, run: false), LifecycleCommands.Start(cli),
            LifecycleCommands.Stop(cli, restart: false), LifecycleCommands.Stop(cli, restart: true), LifecycleCommands.Kill(cli),
            LifecycleCommands.Pause(cli, true), LifecycleCommands.Pause(cli, false), LifecycleCommands.Rename(cli),
            LifecycleCommands.Wait(cli), LifecycleCommands.Attach(cli), LogsCommand.Create(cli), ExecCommand.Create(cli),
            InfoCommands.Top(cli), InfoCommands.Stats(cli), InfoCommands.Update(cli), FileCommands.Cp(cli), FileCommands.Diff(cli),
            FileCommands.Export(cli), CommitCommand.Create(cli),
        ];
        // Strict: a dash-prefixed positional is an unknown flag (run/create/exec get a "--" after
        // their IMAGE/CONTAINER from ArgsNormalizer, so their commands may start with '-').
        foreach (var c in Both()) container.Add(Strict(cli, c));
        container.Add(cli.Strict(PsCommand.Create(cli, "ls", "list", "ps")));
        container.Add(cli.Strict(LifecycleCommands.Remove(cli, "rm")));
        container.Add(InspectCommand.Create(cli, "inspect"));
        container.Add(LifecycleCommands.Prune(cli));
        cli.Add(container);

        foreach (var c in Both()) cli.Add(Strict(cli, c));
        cli.Add(cli.Strict(PsCommand.Create(cli, "ps")));
        cli.Add(cli.Strict(LifecycleCommands.Remove(cli, "rm")));
        cli.Add(InspectCommand.Create(cli, "inspect"));

        VolumeCommands.Register(cli);

        var system = cli.Root.Subcommands.FirstOrDefault(c => c.Name == "system");
        if (system is null) { system = new Command("system", "Manage Quai"); cli.Add(system); }
        var restore = new Command("restore", "Bring back containers after a host reboot: orphans are shown exited, restart policies always/unless-stopped are applied (run at boot)");
        restore.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            foreach (var id in engine.Restore()) cli.Out.WriteLine(id);
            return 0;
        }));
        system.Add(restore);
    }
}
