using System.CommandLine;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Exec;
using Quai.Engine.Specs;
using Quai.Interop;
using Quai.Runtime.Launch;
using Quai.Runtime.Process;
using Quai.Runtime.Terminal;

namespace Quai.Cli.Commands.Containers;

/// <summary>`exec`: the CLI front of <see cref="ContainerEngine.Exec"/>; in the foreground the CLI is the
/// process's subreaper, relays its terminal and waits for it.</summary>
public static class ExecCommand
{
    public static Command Create(CliContext cli)
    {
        var detach = new Option<bool>("--detach", "-d") { Description = "Detached mode: run command in the background" };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
        var env = new Option<string[]>("--env", "-e") { Description = "Set environment variables", AllowMultipleArgumentsPerToken = false };
        var envFile = new Option<string[]>("--env-file") { Description = "Read in a file of environment variables", AllowMultipleArgumentsPerToken = false };
        var user = new Option<string?>("--user", "-u") { Description = "Username or UID (format: \"<name|uid>[:<group|gid>]\")" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory inside the container" };
        var privileged = new Option<bool>("--privileged") { Description = "Give extended privileges to the command" };
        var target = new Argument<string>("CONTAINER");
        var command = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("exec", "Execute a command in a running container") { detach, interactive, tty, env, envFile, user, workdir, privileged, target, command };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var extra = new List<string>();
            foreach (var f in p.GetValue(envFile) ?? []) extra.AddRange(ProcessConfig.ParseEnvFile(f));
            extra.AddRange(p.GetValue(env) ?? []);
            var request = new ExecRequest
            {
                Args = p.GetValue(command)!, Tty = p.GetValue(tty), Env = extra, WorkingDir = p.GetValue(workdir),
                User = p.GetValue(user), Privileged = p.GetValue(privileged),
            };
            var foreground = !p.GetValue(detach);
            if (foreground && request.Tty && p.GetValue(interactive) && !RawTerminal.IsTerminal(0))
                return EngineCli.Plain(cli, "the input device is not a TTY", 1);
            using var relay = request.Tty && foreground ? TerminalRelay.Create() : null;
            if (foreground) Libc.Prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);
            int pid;
            var devnull = -1;
            try
            {
                // stdin of the process: /dev/null unless -i (or a terminal) in the foreground; all of stdio when detached
                if (!foreground || !p.GetValue(interactive) && !request.Tty) devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
                var stdio = devnull < 0 ? StdioFds.Inherit : foreground ? new StdioFds(devnull, 1, 2) : new StdioFds(devnull, devnull, devnull);
                pid = engine.Exec(p.GetValue(target)!, request, stdio, relay?.RuntimeEnd ?? -1);
            }
            finally { if (devnull >= 0) Libc.Close(devnull); }
            if (!foreground) return 0;
            var rc = ForegroundProcess.Wait(pid, relay);
            engine.EmitContainer(engine.Store.Resolve(p.GetValue(target)!), "exec_die", ("execID", request.Id), ("exitCode", rc.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return rc;
        }));
        return cmd;
    }
}
