using System.CommandLine;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Specs;
using Quai.Interop;
using Quai.Runtime.Containers;
using Quai.Runtime.Launch;
using Quai.Runtime.Process;
using Quai.Runtime.Terminal;

namespace Quai.Cli.Commands.Containers;

/// <summary>`exec`: a new process in a running container, started by this CLI through the runtime
/// library (setns into the container's namespaces); in the foreground the CLI is its subreaper and waits.</summary>
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
            var c = engine.Inspect(p.GetValue(target)!);
            if (c.State.Status == "paused") throw new ConflictException($"container {c.Id} is paused, unpause the container before exec");
            if (c.State.Status != "running") throw new ConflictException($"container {c.Id} is not running");
            var proc = engine.Runtime.BaseProcess(c.Id);
            proc.Args = [.. p.GetValue(command)!];
            proc.Terminal = p.GetValue(tty);
            proc.ConsoleSize = null;
            var extra = new List<string>();
            foreach (var f in p.GetValue(envFile) ?? []) extra.AddRange(ProcessConfig.ParseEnvFile(f));
            extra.AddRange(p.GetValue(env) ?? []);
            if (proc.Terminal && !extra.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal))) extra.Insert(0, "TERM=xterm");
            proc.Env = ProcessConfig.MergeEnv(proc.Env ?? [], extra);
            if (p.GetValue(workdir) is { } w) proc.Cwd = w;
            if (p.GetValue(user) is { } u)
            {
                // the container's own files, read through its root fd (never host path resolution)
                (string? Passwd, string? Group) files;
                using (var croot = Quai.Engine.Files.ContainerRoot.Open(engine, c))
                using (var inRoot = new Quai.Fs.InRoot(croot.Fd, croot.Where))
                    files = UserFiles.Read(inRoot);
                ResolvedUser ru;
                try { ru = UserResolver.Resolve(u, files.Passwd, files.Group); }
                catch (ContainerStartException e) { throw new ContainerStartException(e.Message, 126); }
                proc.User = new Oci.Runtime.User { Uid = ru.Uid, Gid = ru.Gid, AdditionalGids = ru.AdditionalGids.Count > 0 ? ru.AdditionalGids : null };
                var caps = proc.Capabilities;
                if (caps is not null && ru.Uid != 0) { caps.Effective = []; caps.Permitted = []; }
            }
            if (p.GetValue(privileged))
            {
                var all = SpecBuilder.Capabilities(new HostConfig { Privileged = true });
                proc.Capabilities = new Oci.Runtime.Capabilities { Bounding = [.. all], Effective = [.. all], Permitted = [.. all] };
            }
            var foreground = !p.GetValue(detach);
            using var relay = proc.Terminal && foreground ? TerminalRelay.Create() : null;
            if (foreground) Libc.Prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);
            int pid;
            var devnull = -1;
            try
            {
                if (!foreground || !p.GetValue(interactive) && !proc.Terminal)
                {
                    // stdin of the process: /dev/null unless -i
                    devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
                }
                pid = engine.Runtime.Exec(c.Id, new ContainerRuntime.ExecOptions
                {
                    Process = proc, ConsoleSocketFd = relay?.RuntimeEnd ?? -1,
                    Stdio = devnull < 0 ? StdioFds.Inherit : foreground ? new StdioFds(devnull, 1, 2) : new StdioFds(devnull, devnull, devnull),
                });
            }
            catch (Exception e) when (e is not (ConflictException or NotFoundException or EngineUsageException))
            {
                // Docker: a process that cannot be started by exec exits 126
                throw new ContainerStartException($"OCI runtime exec failed: exec failed: unable to start container process: {e.Message}: unknown", 126);
            }
            finally { if (devnull >= 0) Libc.Close(devnull); }
            return foreground ? ForegroundProcess.Wait(pid, relay) : 0;
        }));
        return cmd;
    }
}
