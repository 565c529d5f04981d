using Quai.Runtime;
using System.CommandLine;
using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Containers;
using Quai.Runtime.Process;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`exec`: runs a new process inside a running container.</summary>
public static class ExecCommand
{
    public static Command Build()
    {
        var cmd = new Command("exec", "execute new process inside the container");
        var process = new Option<string?>("--process", "-p") { Description = "path to the process.json" };
        var tty = new Option<bool>("--tty", "-t") { Description = "allocate a pseudo-TTY" };
        var detach = new Option<bool>("--detach", "-d") { Description = "detach from the container's process" };
        var env = new Option<string[]>("--env", "-e") { Description = "set environment variables", AllowMultipleArgumentsPerToken = false };
        var cwd = new Option<string?>("--cwd") { Description = "current working directory in the container" };
        var user = new Option<string?>("--user", "-u") { Description = "UID (format: <uid>[:<gid>])" };
        var groups = new Option<string[]>("--additional-gids", "-g") { Description = "additional gids" };
        var caps = new Option<string[]>("--cap", "-c") { Description = "add a capability to the bounding set for the process" };
        var pidFile = new Option<string?>("--pid-file") { Description = "specify the file to write the process id to" };
        var consoleSocket = new Option<string?>("--console-socket") { Description = "path to an AF_UNIX socket which will receive the pty master" };
        var noNewPrivs = new Option<bool>("--no-new-privs") { Description = "set the no new privileges value for the process" };
        var apparmor = new Option<string?>("--apparmor") { Description = "set the apparmor profile for the process" };
        var label = new Option<string?>("--process-label") { Description = "set the asm process label for the process commonly used with selinux" };
        var preserve = new Option<int>("--preserve-fds") { Description = "pass N additional file descriptors to the container" };
        var ignorePaused = new Option<bool>("--ignore-paused") { Description = "allow exec in a paused container", Hidden = true };
        foreach (var o in new Option[] { process, tty, detach, env, cwd, user, groups, caps, pidFile, consoleSocket, noNewPrivs, apparmor, label, preserve, ignorePaused })
            cmd.Options.Add(o);
        var id = new Argument<string>("container-id");
        var command = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore };
        cmd.Arguments.Add(id);
        cmd.Arguments.Add(command);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var runtime = Globals.Runtime(p);
            var name = p.GetValue(id)!;
            Oci.Runtime.Process proc;
            if (p.GetValue(process) is { } file)
            {
                var bytes = file == "-" ? ReadStdin() : File.ReadAllBytes(file);
                try { proc = JsonSerializer.Deserialize(bytes, RuntimeJsonContext.Default.Process) ?? throw new InvalidDataException("empty"); }
                catch (JsonException e) { throw new RuntimeException($"parse process {file}: {ContainerRuntime.DescribeJsonError(e)}"); }
            }
            else
            {
                var args = p.GetValue(command) ?? [];
                if (args.Length == 0) throw new RuntimeException("exec: no command given (args or --process)");
                proc = runtime.BaseProcess(name);
                proc.Args = [.. args];
                proc.Terminal = p.GetValue(tty);
                proc.ConsoleSize = null;
                proc.Env = [.. proc.Env ?? [], .. p.GetValue(env) ?? []];
                if (p.GetValue(cwd) is { } c) proc.Cwd = c;
                if (p.GetValue(user) is { } u)
                {
                    var parts = u.Split(':');
                    proc.User = new User
                    {
                        Uid = uint.Parse(parts[0]), Gid = parts.Length > 1 ? uint.Parse(parts[1]) : proc.User.Gid,
                        AdditionalGids = proc.User.AdditionalGids,
                    };
                }
                if (p.GetValue(groups) is { Length: > 0 } g) proc.User.AdditionalGids = g.Select(uint.Parse).ToList();
                if (p.GetValue(caps) is { Length: > 0 } add)
                {
                    proc.Capabilities ??= new Capabilities();
                    foreach (var cap in add)
                    {
                        foreach (var set in new[] { proc.Capabilities.Bounding ??= [], proc.Capabilities.Effective ??= [], proc.Capabilities.Permitted ??= [] })
                            if (!set.Contains(cap)) set.Add(cap);
                    }
                }
                if (p.GetValue(noNewPrivs)) proc.NoNewPrivileges = true;
                if (p.GetValue(apparmor) is { } aa) proc.ApparmorProfile = aa;
                if (p.GetValue(label) is { } l) proc.SelinuxLabel = l;
            }
            var foreground = !p.GetValue(detach);
            using var relay = proc.Terminal && foreground && p.GetValue(consoleSocket) is null ? TerminalRelay.Create() : null;
            if (foreground) Libc.Prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);
            var pid = runtime.Exec(name, new ContainerRuntime.ExecOptions
            {
                Process = proc, ConsoleSocket = p.GetValue(consoleSocket), ConsoleSocketFd = relay?.RuntimeEnd ?? -1,
                PidFile = p.GetValue(pidFile), PreserveFds = p.GetValue(preserve),
            });
            return foreground ? ForegroundProcess.Wait(pid, relay) : 0;
        }));
        return cmd;
    }

    private static byte[] ReadStdin()
    {
        using var ms = new MemoryStream();
        Console.OpenStandardInput().CopyTo(ms);
        return ms.ToArray();
    }
}
