using Quai.Engine.Containers;
using Quai.Engine.Exec;
using Quai.Engine.Files;
using Quai.Engine.Specs;
using Quai.Runtime.Containers;
using Quai.Runtime.Launch;

namespace Quai.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>Starts a process in a running container (setns into its namespaces, through the runtime library)
    /// with the container's process settings changed as <paramref name="request"/> says; returns its pid, a child of
    /// the caller, who waits for it. The user is looked up in the container's own files through its root
    /// descriptor (<see cref="ContainerRoot"/>), never by host path. Docker's exit classes are kept: a process that
    /// cannot be started fails with 126.</summary>
    public int Exec(string idOrName, ExecRequest request, StdioFds stdio, int consoleSocketFd = -1)
    {
        var c = Inspect(idOrName);
        if (c.State.Status == "paused") throw new ConflictException($"container {c.Id} is paused, unpause the container before exec");
        if (c.State.Status != "running") throw new ConflictException($"container {c.Id} is not running");
        var proc = Runtime.BaseProcess(c.Id);
        proc.Args = [.. request.Args];
        proc.Terminal = request.Tty;
        proc.ConsoleSize = null;
        var extra = request.Env.ToList();
        if (proc.Terminal && !extra.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal))) extra.Insert(0, "TERM=xterm");
        proc.Env = ProcessConfig.MergeEnv(proc.Env ?? [], extra);
        if (request.WorkingDir is { } w) proc.Cwd = w;
        if (request.User is { } u)
        {
            (string? Passwd, string? Group) files;
            using (var croot = ContainerRoot.Open(this, c))
            using (var inRoot = new Quai.Fs.InRoot(croot.Fd, croot.Where))
                files = UserFiles.Read(inRoot);
            ResolvedUser ru;
            try { ru = UserResolver.Resolve(u, files.Passwd, files.Group); }
            catch (ContainerStartException e) { throw new ContainerStartException(e.Message, 126); }
            proc.User = new Oci.Runtime.User { Uid = ru.Uid, Gid = ru.Gid, AdditionalGids = ru.AdditionalGids.Count > 0 ? ru.AdditionalGids : null };
            var caps = proc.Capabilities;
            if (caps is not null && ru.Uid != 0) { caps.Effective = []; caps.Permitted = []; }
        }
        if (request.Privileged)
        {
            var all = SpecBuilder.Capabilities(new HostConfig { Privileged = true });
            proc.Capabilities = new Oci.Runtime.Capabilities { Bounding = [.. all], Effective = [.. all], Permitted = [.. all] };
        }
        var cmdline = string.Join(' ', request.Args);
        EmitContainer(c, "exec_create: " + cmdline, ("execID", request.Id));
        EmitContainer(c, "exec_start: " + cmdline, ("execID", request.Id));
        try
        {
            return Runtime.Exec(c.Id, new ContainerRuntime.ExecOptions { Process = proc, ConsoleSocketFd = consoleSocketFd, Stdio = stdio });
        }
        catch (Exception e) when (e is not (ConflictException or NotFoundException or EngineUsageException))
        {
            // Docker: a process that cannot be started by exec exits 126
            throw new ContainerStartException($"OCI runtime exec failed: exec failed: unable to start container process: {e.Message}: unknown", 126);
        }
    }
}
