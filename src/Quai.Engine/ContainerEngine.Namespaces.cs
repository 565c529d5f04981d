using Quai.Engine.Containers;

namespace Quai.Engine;

/// <summary>--pid/--ipc container:NAME: the namespaces of another container, joined through its init's /proc/PID/ns.</summary>
public sealed partial class ContainerEngine
{
    /// <summary>"container:NAME" → "container:ID" (Docker records the id), checked against dockerd's rules; other modes unchanged.</summary>
    private string JoinedContainer(string mode, string what)
    {
        if (!Specs.HostConfigRules.IsContainerMode(mode)) return mode;
        var other = Store.Load(Store.Resolve(mode["container:".Length..]));
        if (what == "IPC" && other.HostConfig.IpcMode is not ("shareable" or "host"))
            throw new ConflictException("non-shareable IPC (hint: use IpcMode:shareable for the donor container)");
        return "container:" + other.Id;
    }

    /// <summary>The PID of a running container's init, 0 if it does not run (the spec builder's view of a donor container).</summary>
    public int RunningInitPid(string nameOrId)
    {
        try
        {
            var c = Store.Load(Store.Resolve(nameOrId));
            return c.State.Status is "running" or "paused" && MonitorAlive(c) && c.State.Pid > 0 ? c.State.Pid : 0;
        }
        catch (NotFoundException) { return 0; }
    }
}
