namespace Quai.Runtime.Validation;

/// <summary>Which sysctls a container may set (runc's allow-list): only those that belong to a
/// namespace the container has to itself. Everything else is host-global — kernel.core_pattern,
/// vm.*, fs.* — and writing it would change the host (a pipe in core_pattern runs a program as
/// root on the host). The engine checks the same rules at create time.</summary>
public static class SysctlPolicy
{
    private static readonly HashSet<string> IpcSysctls = new(StringComparer.Ordinal)
    {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    };

    /// <summary>The namespaces of the container that decide what it may set.</summary>
    /// <param name="PrivateIpc">a new IPC namespace</param>
    /// <param name="PrivateNetwork">a new network namespace, or a joined one that is not the host's</param>
    /// <param name="PrivateUts">a new UTS namespace</param>
    public readonly record struct Namespaces(bool PrivateIpc, bool PrivateNetwork, bool PrivateUts);

    /// <summary>Null when <paramref name="key"/> may be set, else the reason it may not.</summary>
    public static string? Check(string key, Namespaces ns)
    {
        if (key.Length == 0 || key.StartsWith('.') || key.EndsWith('.') || key.Contains("..") || key.Contains('\0')
            || key.Split('.').Any(p => p.Length == 0 || p is "." or ".."))
            return $"sysctl \"{key}\" is not a valid name";
        if (IpcSysctls.Contains(key) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            return ns.PrivateIpc ? null : $"sysctl \"{key}\" is not allowed in the host's IPC namespace";
        if (key.StartsWith("net.", StringComparison.Ordinal))
        {
            // net.ipv4.conf.eth0/1.forwarding: '/' stands for a '.' of an interface name
            if (key.Split('.').Any(p => p.Split('/').Any(q => q is ".." or ".")))
                return $"sysctl \"{key}\" is not a valid name";
            return ns.PrivateNetwork ? null : $"sysctl \"{key}\" is not allowed in the host's network namespace";
        }
        if (key == "kernel.domainname")
            return ns.PrivateUts ? null : $"sysctl \"{key}\" is not allowed in the host's UTS namespace";
        if (key == "kernel.hostname")
            return $"sysctl \"{key}\" is not allowed: set the hostname instead";
        return $"sysctl \"{key}\" is not in a separate kernel namespace";
    }

    /// <summary>Whether a namespace file (/proc/PID/ns/net, a bind-mounted netns) is the host's own,
    /// i.e. the one this process is in.</summary>
    public static bool IsHostNamespace(string path, string type)
    {
        if (Quai.Interop.Libc.FstatAt(Quai.Interop.O.AT_FDCWD, path, out var target, 0) < 0) return false;
        if (Quai.Interop.Libc.FstatAt(Quai.Interop.O.AT_FDCWD, $"/proc/self/ns/{type}", out var self, 0) < 0) return false;
        return target.Dev == self.Dev && target.Ino == self.Ino;
    }
}
