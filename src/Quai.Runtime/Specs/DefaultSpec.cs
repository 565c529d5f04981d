using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Specs;

/// <summary>The config `spec` writes: runc's example configuration, and its rootless variant.</summary>
public static class DefaultSpec
{
    public static Oci.Runtime.Spec Create(bool rootless)
    {
        string[] caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        var spec = new Oci.Runtime.Spec
        {
            OciVersion = SpecVersion.Current,
            Process = new Oci.Runtime.Process
            {
                Terminal = true, User = new User { Uid = 0, Gid = 0 }, Args = ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], Cwd = "/",
                Capabilities = new Capabilities { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps] },
                Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new Root { Path = "rootfs", Readonly = true },
            Hostname = "quai",
            Mounts =
            [
                new() { Destination = "/proc", Type = "proc", Source = "proc" },
                new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new Linux
            {
                Resources = new Resources { Devices = [new DeviceCgroup { Allow = false, Access = "rwm" }] },
                Namespaces = [new() { Type = "pid" }, new() { Type = "network" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }, new() { Type = "cgroup" }],
                MaskedPaths =
                [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                ],
                ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        };
        if (rootless) MakeRootless(spec, Libc.GetEuid(), Libc.GetEgid());
        return spec;
    }

    /// <summary>runc's rootless conversion: a user namespace mapping the caller to root, no new
    /// network namespace, /sys bound from the host, no resources and no gid=5 on devpts.</summary>
    public static void MakeRootless(Oci.Runtime.Spec spec, uint uid, uint gid)
    {
        var linux = spec.Linux ??= new Linux();
        linux.Namespaces = (linux.Namespaces ?? []).Where(n => n.Type is not ("network" or "user")).ToList();
        linux.Namespaces.Add(new LinuxNamespace { Type = "user" });
        linux.UidMappings = [new IdMapping { ContainerId = 0, HostId = uid, Size = 1 }];
        linux.GidMappings = [new IdMapping { ContainerId = 0, HostId = gid, Size = 1 }];
        linux.Resources = null;
        var mounts = new List<Mount>();
        foreach (var m in spec.Mounts ?? [])
        {
            if (m.Destination == "/sys")
                mounts.Add(new Mount { Destination = "/sys", Type = "none", Source = "/sys", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] });
            else if (m.Type == "cgroup") continue;
            else
            {
                m.Options = m.Options?.Where(o => o is not ("gid=5" or "gid=0")).ToList();
                mounts.Add(m);
            }
        }
        spec.Mounts = mounts;
    }
}
