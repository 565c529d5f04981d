using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;
using Quai.Runtime.Launch;
using Quai.Runtime.Namespaces;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.Containers;

public sealed partial class ContainerRuntime
{
    public sealed class ExecOptions
    {
        public required Oci.Runtime.Process Process { get; init; }
        public string? ConsoleSocket { get; init; }
        public int ConsoleSocketFd { get; init; } = -1;
        public string? PidFile { get; init; }
        public int PreserveFds { get; init; }
        /// <summary>The process's stdin, stdout and stderr (default: this process's own).</summary>
        public StdioFds Stdio { get; init; } = StdioFds.Inherit;
    }

    /// <summary>The container's process as the base of an exec'd one: runc's defaults for
    /// `exec` without --process (env, cwd, user, capabilities, no_new_privs of the container).</summary>
    public Oci.Runtime.Process BaseProcess(string id) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(Store.Load(id).Config.Process!, RuntimeJsonContext.Default.Process),
            RuntimeJsonContext.Default.Process)!;

    /// <summary>`exec`: starts a process inside a running container's namespaces and cgroup;
    /// returns its pid (a child of this process).</summary>
    public int Exec(string id, ExecOptions options)
    {
        var record = Store.Load(id);
        var status = Status(record);
        if (!status.CanExec()) throw new RuntimeException($"cannot exec in a {(status == ContainerStatus.Paused ? "paused" : "stopped")} container");
        var spec = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(record.Config, RuntimeJsonContext.Default.Spec),
            RuntimeJsonContext.Default.Spec)!;
        spec.Process = options.Process;
        spec.Hostname = null;
        spec.Domainname = null;
        ValidateForExec(spec);
        if (options.Process.Terminal && options.ConsoleSocket is null && options.ConsoleSocketFd < 0)
            throw new RuntimeException("cannot allocate tty if runc will detach without setting console socket");
        var seccomp = CompileSeccomp(spec);
        // A container created without cgroups (rootless) gets none for its exec'd processes either.
        ICgroupManager cgroups = record.CgroupPaths.Count > 0 ? CgroupManagerFactory.Load(record.CgroupPaths) : new NoopCgroupManager();
        var config = BuildInitConfig(spec, id, record.Bundle, record.Rootfs, false, options.PreserveFds, cgroups, seccomp);
        config.IsExec = true;
        var join = new List<(string, string)>();
        foreach (var ns in record.Config.Linux?.Namespaces ?? [])
            join.Add((ns.Type, $"/proc/{record.InitPid}/ns/{NamespaceType.ProcName(ns.Type)}"));
        var console = options.ConsoleSocketFd >= 0 ? options.ConsoleSocketFd
            : options.ConsoleSocket is { } cs ? ConsoleSocket.Connect(cs) : -1;
        var listener = seccomp?.UsesNotify == true ? ConsoleSocket.Connect(spec.Linux!.Seccomp!.ListenerPath!) : -1;
        try
        {
            var pid = InitLauncher.Launch(new InitLauncher.Request
            {
                Config = config, Cgroups = cgroups, Join = join, New = [], ConsoleSocketFd = console, Stdio = options.Stdio,
                SeccompListenerFd = listener,
            });
            if (options.PidFile is { } pf) WritePidFile(pf, pid);
            return pid;
        }
        finally
        {
            if (console >= 0 && options.ConsoleSocketFd < 0) Libc.Close(console);
            if (listener >= 0) Libc.Close(listener);
        }
    }

    private void ValidateForExec(Spec spec) => Validation.SpecValidator.Validate(spec, Rootless, forExec: true, warn: _warn);
}
