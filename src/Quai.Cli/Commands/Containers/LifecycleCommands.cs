using System.CommandLine;
using Quai.Engine;
using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Containers;

/// <summary>start, stop, restart, kill, rm, pause, unpause, rename, wait, attach, prune.</summary>
public static class LifecycleCommands
{
    private static Argument<string[]> Targets() => new("CONTAINER") { Arity = ArgumentArity.OneOrMore };

    public static Command Start(CliContext cli)
    {
        var attach = new Option<bool>("--attach", "-a") { Description = "Attach STDOUT/STDERR and forward signals" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Attach container's STDIN" };
        var targets = Targets();
        var cmd = new Command("start", "Start one or more stopped containers") { attach, interactive, targets };
        cmd.SetAction(p =>
        {
            var names = p.GetValue(targets)!;
            if (p.GetValue(attach) || p.GetValue(interactive))
            {
                if (names.Length > 1) return cli.Fail("you cannot start and attach multiple containers at once", CliContext.ExitUsage);
                return EngineCli.Run(cli, p, engine =>
                {
                    var c = engine.Inspect(names[0]);
                    return RunCommand.StartAttached(cli, engine, c.Id,
                        new AttachOptions(p.GetValue(interactive) && c.Config.OpenStdin, c.Config.Tty, DetachKeys: AttachOptions.DefaultDetachKeys),
                        c.HostConfig.AutoRemove);
                });
            }
            return EngineCli.ForEach(cli, p, names, (engine, n) =>
            {
                using var h = engine.Start(n, waitForAttach: false);
                h.ExpectStarted();
            });
        });
        return cmd;
    }

    public static Command Stop(CliContext cli, bool restart)
    {
        var time = new Option<int?>("--timeout", "-t", "--time") { Description = "Seconds to wait before killing the container" };
        var signal = new Option<string?>("--signal", "-s") { Description = "Signal to send to the container" };
        var targets = Targets();
        var cmd = new Command(restart ? "restart" : "stop", restart ? "Restart one or more containers" : "Stop one or more running containers") { time, signal, targets };
        cmd.SetAction(p => EngineCli.ForEach(cli, p, p.GetValue(targets)!, (engine, n) =>
        {
            engine.Stop(n, p.GetValue(time), p.GetValue(signal));
            if (restart)
            {
                using var h = engine.Start(n, waitForAttach: false);
                h.ExpectStarted();
            }
        }));
        return cmd;
    }

    public static Command Kill(CliContext cli)
    {
        var signal = new Option<string?>("--signal", "-s") { Description = "Signal to send to the container" };
        var targets = Targets();
        var cmd = new Command("kill", "Kill one or more running containers") { signal, targets };
        cmd.SetAction(p => EngineCli.ForEach(cli, p, p.GetValue(targets)!, (engine, n) => engine.Kill(n, p.GetValue(signal))));
        return cmd;
    }

    public static Command Remove(CliContext cli, string name)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of a running container (uses SIGKILL)" };
        var volumes = new Option<bool>("--volumes", "-v") { Description = "Remove anonymous volumes associated with the container" };
        var targets = Targets();
        var cmd = new Command(name, "Remove one or more containers") { force, volumes, targets };
        cmd.SetAction(p => EngineCli.ForEach(cli, p, p.GetValue(targets)!, (engine, n) => engine.Remove(n, p.GetValue(force), p.GetValue(volumes)),
            tolerated: e => e is NotFoundException && p.GetValue(force)));
        return cmd;
    }

    public static Command Pause(CliContext cli, bool pause)
    {
        var targets = Targets();
        var cmd = new Command(pause ? "pause" : "unpause", pause ? "Pause all processes within one or more containers" : "Unpause all processes within one or more containers") { targets };
        cmd.SetAction(p => EngineCli.ForEach(cli, p, p.GetValue(targets)!, (engine, n) => { if (pause) engine.Pause(n); else engine.Unpause(n); }));
        return cmd;
    }

    public static Command Rename(CliContext cli)
    {
        var from = new Argument<string>("CONTAINER");
        var to = new Argument<string>("NEW_NAME");
        var cmd = new Command("rename", "Rename a container") { from, to };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine => { engine.Rename(p.GetValue(from)!, p.GetValue(to)!); return 0; }));
        return cmd;
    }

    public static Command Wait(CliContext cli)
    {
        var targets = Targets();
        var cmd = new Command("wait", "Block until one or more containers stop, then print their exit codes") { targets };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var rc = 0;
            foreach (var n in p.GetValue(targets)!)
            {
                try
                {
                    var id = engine.Store.Resolve(n);
                    cli.Out.WriteLine(engine.Wait(id));
                }
                catch (Exception e) { EngineCli.Fail(cli, e); rc = 1; }
            }
            return rc;
        }));
        return cmd;
    }

    public static Command Attach(CliContext cli)
    {
        var noStdin = new Option<bool>("--no-stdin") { Description = "Do not attach STDIN" };
        var sigProxy = new Option<bool>("--sig-proxy") { Description = "Proxy all received signals to the process", DefaultValueFactory = _ => true };
        var detachKeys = new Option<string?>("--detach-keys") { Description = "Override the key sequence for detaching a container" };
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("attach", "Attach local standard input, output, and error streams to a running container") { noStdin, sigProxy, detachKeys, target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            if (c.State.Status != "running" && c.State.Status != "paused")
                throw new ConflictException("You cannot attach to a stopped container, start it first");
            var stdin = c.Config.OpenStdin && !p.GetValue(noStdin);
            var keys = p.GetValue(detachKeys) is { } dk ? AttachOptions.ParseDetachKeys(dk) : AttachOptions.DefaultDetachKeys;
            var s = AttachClient.Connect(engine, c.Id, stdin);
            engine.EmitContainer(c, "attach");
            return AttachClient.Stream(engine, c.Id, s, new AttachOptions(stdin, c.Config.Tty, SigProxy: p.GetValue(sigProxy), DetachKeys: keys));
        }));
        return cmd;
    }

    public static Command Prune(CliContext cli)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var filter = new Option<string[]>("--filter") { Description = "Provide filter values (e.g. \"until=<timestamp>\")", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("prune", "Remove all stopped containers") { force, filter };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            if (!p.GetValue(force))
            {
                _ = Sys.PruneFilter.Parse(p.GetValue(filter) ?? []); // a bad filter is refused before the question
                cli.Out.Write("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
                var answer = Quai.Cli.Output.StdStreams.In.ReadLine();
                if (answer is null || !answer.Trim().StartsWith('y')) return 0;
            }
            var filters = Sys.PruneFilter.Parse(p.GetValue(filter) ?? []);
            var reclaimed = Sys.SystemPrune.Containers(cli, engine, filters);
            cli.Out.WriteLine($"Total reclaimed space: {Output.Units.HumanSize(reclaimed)}");
            return 0;
        }));
        return cmd;
    }
}
