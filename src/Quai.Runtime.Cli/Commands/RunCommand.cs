using System.CommandLine;
using System.Runtime.InteropServices;
using Quai.Interop;
using Quai.Runtime.Containers;
using Quai.Runtime.Process;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`run`: create + start; in the foreground it forwards signals, relays the terminal,
/// waits, deletes the container (unless --keep) and exits with the container's status.</summary>
public static class RunCommand
{
    public static Command Build()
    {
        var cmd = new Command("run", "create and run a container");
        var flags = new CreateCommand.Flags();
        flags.AddTo(cmd);
        var detach = new Option<bool>("--detach", "-d") { Description = "detach from the container's process" };
        var keep = new Option<bool>("--keep") { Description = "do not delete the container after it exits" };
        var noSubreaper = new Option<bool>("--no-subreaper") { Description = "disable the use of the subreaper used to reap reparented processes" };
        cmd.Options.Add(detach);
        cmd.Options.Add(keep);
        cmd.Options.Add(noSubreaper);
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var runtime = Globals.Runtime(p);
            var name = p.GetValue(id)!;
            var spec = ContainerRuntime.LoadSpec(Path.GetFullPath(p.GetValue(flags.Bundle)!));
            var terminal = spec.Process?.Terminal == true;
            if (p.GetValue(detach))
            {
                runtime.Create(name, flags.Read(p, spec: spec));
                runtime.Start(name);
                return 0;
            }
            if (!p.GetValue(noSubreaper)) Libc.Prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);
            using var relay = terminal && p.GetValue(flags.ConsoleSocket) is null ? TerminalRelay.Create() : null;
            var record = runtime.Create(name, flags.Read(p, relay?.RuntimeEnd ?? -1, spec));
            return ForegroundProcess.Wait(record.InitPid, relay, () => runtime.Start(name), () =>
            {
                if (!p.GetValue(keep)) runtime.Delete(name, force: true);
            });
        }));
        return cmd;
    }
}
