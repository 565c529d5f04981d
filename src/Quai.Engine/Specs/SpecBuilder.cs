using Quai.Fs;
using Quai.Engine.Containers;
using Quai.Oci.Runtime;
using Quai.Runtime.Seccomp;
using Caps = Quai.Runtime.Security.Capabilities;
using OciMount = Quai.Oci.Runtime.Mount;

namespace Quai.Engine.Specs;

/// <summary>Turns a container record (image config merged with run options) into the OCI runtime
/// spec its bundle holds: Docker's defaults (capabilities, seccomp, masked paths, devices, /dev/shm)
/// plus the HostConfig overrides.</summary>
public static class SpecBuilder
{
    public static readonly string[] MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly string[] ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>Devices every container may use (moby's DefaultSimpleDevices and the allow list of
    /// oci/defaults.go); runc-style runtimes create the nodes themselves.</summary>
    private static List<DeviceCgroup> DefaultDeviceRules() =>
    [
        new() { Allow = false, Access = "rwm" },
        new() { Allow = true, Type = "c", Access = "m" },
        new() { Allow = true, Type = "b", Access = "m" },
        Dev('c', 1, 3), Dev('c', 1, 5), Dev('c', 1, 7), Dev('c', 1, 8), Dev('c', 1, 9), Dev('c', 5, 0), Dev('c', 5, 1), Dev('c', 5, 2),
        Dev('c', 10, 200), new() { Allow = true, Type = "c", Major = 136, Access = "rwm" },
    ];

    private static DeviceCgroup Dev(char type, long major, long minor, string access = "rwm") =>
        new() { Allow = true, Type = type.ToString(), Major = major, Minor = minor, Access = access };

    /// <param name="rootfs">the mounted root filesystem (to resolve the user in its /etc/passwd)</param>
    /// <summary>Where --init's binary appears in the container (Docker's path).</summary>
    public const string InitPath = "/sbin/docker-init";

    /// <summary>The static init bound in by --init: QUAI_INIT_PATH, else Debian's tini-static.</summary>
    public static string? HostInitBinary =>
        new[] { Environment.GetEnvironmentVariable("QUAI_INIT_PATH"), "/usr/bin/tini-static", "/usr/bin/docker-init" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    /// <param name="netnsPath">the network namespace to join (a network's namespace file, another container's); null: a new one</param>
    /// <param name="initPidOf">the init PID of another running container (for --pid/--ipc container:ID); 0 if it is not running</param>
    public static Spec Build(Container c, string rootfs, string containerDir, string? netnsPath = null, Func<string, int>? initPidOf = null)
    {
        var hc = c.HostConfig;
        var cfg = c.Config;
        ResolvedUser user;
        using (var root = new InRoot(rootfs))
        {
            var (passwd, group) = UserFiles.Read(root);
            user = UserResolver.Resolve(cfg.User, passwd, group);
            foreach (var g in hc.GroupAdd ?? [])
            {
                var gid = UserResolver.Group(g, group);
                if (gid != user.Gid && !user.AdditionalGids.Contains(gid)) user.AdditionalGids.Add(gid);
            }
        }
        var env = cfg.Env.ToList();
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal))) env.Add("HOME=" + user.Home);

        var caps = Capabilities(hc);
        var spec = new Spec
        {
            OciVersion = SpecVersion.Current,
            Root = new Root { Path = "rootfs", Readonly = hc.ReadonlyRootfs },
            Hostname = hc.UtsMode == "host" ? null : cfg.Hostname,
            Process = new Oci.Runtime.Process
            {
                Terminal = cfg.Tty,
                Args = hc.Init == true ? [InitPath, "--", .. ProcessConfig.Args(cfg.Entrypoint, cfg.Cmd)] : ProcessConfig.Args(cfg.Entrypoint, cfg.Cmd),
                Env = env,
                Cwd = string.IsNullOrEmpty(cfg.WorkingDir) ? "/" : cfg.WorkingDir,
                User = new User { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null },
                Capabilities = new Oci.Runtime.Capabilities
                {
                    Bounding = [.. caps], Effective = user.Uid == 0 ? [.. caps] : [], Permitted = user.Uid == 0 ? [.. caps] : [],
                },
                NoNewPrivileges = hc.SecurityOpt?.Any(o => o is "no-new-privileges" or "no-new-privileges:true" or "no-new-privileges=true") == true,
                OomScoreAdj = hc.OomScoreAdj != 0 ? hc.OomScoreAdj : null,
                Rlimits = hc.Ulimits is { Count: > 0 } u ? u.Select(l => new Rlimit { Type = "RLIMIT_" + l.Name.ToUpperInvariant(), Soft = (ulong)l.Soft, Hard = (ulong)l.Hard }).ToList() : null,
            },
            Mounts = Mounts(c, containerDir),
            Linux = new Linux
            {
                CgroupsPath = "/quai/" + c.Id,
                Namespaces = Namespaces(hc, HostCgroupMode.Value, initPidOf, netnsPath),
                Resources = Resources(hc),
                MaskedPaths = hc.Privileged ? null : [.. MaskedPaths],
                ReadonlyPaths = hc.Privileged ? null : [.. ReadonlyPaths],
                Sysctl = hc.Sysctls is { Count: > 0 } s ? new Dictionary<string, string>(s) : null,
                Seccomp = Seccomp(hc, caps),
                Devices = Devices(hc),
            },
        };
        if (cfg.Tty)
            spec.Process.ConsoleSize = hc.ConsoleSize is [> 0 and var h, > 0 and var w] ? new ConsoleSize { Height = (uint)h, Width = (uint)w } : new ConsoleSize { Height = 24, Width = 80 };
        return spec;
    }


    public static List<string> Capabilities(HostConfig hc)
    {
        if (hc.Privileged) return Caps.Available();
        var set = new List<string>(Caps.DockerDefault);
        static string Norm(string c) { c = c.ToUpperInvariant(); return c == "ALL" || c.StartsWith("CAP_", StringComparison.Ordinal) ? c : "CAP_" + c; }
        var drop = (hc.CapDrop ?? []).Select(Norm).ToList();
        var add = (hc.CapAdd ?? []).Select(Norm).ToList();
        foreach (var name in drop.Concat(add))
            if (name != "ALL" && !Caps.Names.Contains(name)) throw new EngineUsageException($"invalid capability \"{name}\": unknown capability");
        // moby's TweakCapabilities: ALL added = everything available but the drops; ALL dropped = only the adds
        if (add.Contains("ALL")) return Caps.Available().Where(c => !drop.Contains(c)).ToList();
        if (drop.Contains("ALL")) set.Clear();
        else set.RemoveAll(drop.Contains);
        foreach (var a in add) if (!set.Contains(a)) set.Add(a);
        return set;
    }

    internal static List<LinuxNamespace> Namespaces(HostConfig hc, Quai.Runtime.Cgroups.CgroupMode cgroupMode, Func<string, int>? initPidOf = null, string? netnsPath = null)
    {
        var list = new List<LinuxNamespace> { new() { Type = "mount" } };
        if (hc.UtsMode != "host") list.Add(new() { Type = "uts" });
        if (Shared(hc.PidMode, "pid", "PID", initPidOf) is { } pid) list.Add(pid);
        if (Shared(hc.IpcMode, "ipc", "IPC", initPidOf) is { } ipc) list.Add(ipc);
        if (hc.NetworkMode != "host") list.Add(new() { Type = "network", Path = netnsPath });
        // Docker's default --cgroupns: "private" on a cgroup v2 host (the container sees its own cgroup
        // at /sys/fs/cgroup's root), "host" on v1; --cgroupns chooses.
        if (CgroupNamespace(hc, cgroupMode)) list.Add(new() { Type = "cgroup" });
        return list;
    }

    private static readonly Lazy<Quai.Runtime.Cgroups.CgroupMode> HostCgroupMode = new(() =>
    {
        try { return Quai.Runtime.Cgroups.CgroupManagerFactory.DetectMode(); }
        catch (IOException) { return Quai.Runtime.Cgroups.CgroupMode.Legacy; }
    });

    /// <summary>A namespace of its own (null mode), none (host) or another container's (container:ID, which must run).</summary>
    private static LinuxNamespace? Shared(string mode, string type, string what, Func<string, int>? initPidOf)
    {
        if (mode == "host") return null;
        if (!mode.StartsWith("container:", StringComparison.Ordinal)) return new() { Type = type };
        var other = mode["container:".Length..];
        var pid = initPidOf?.Invoke(other) ?? 0;
        if (pid <= 0) throw new ConflictException($"cannot join {what} of a non running container: {other}");
        return new() { Type = type, Path = $"/proc/{pid}/ns/{type}" };
    }

    /// <summary>--cgroupns private|host, else the host's cgroup mode decides.</summary>
    public static bool CgroupNamespace(HostConfig hc, Quai.Runtime.Cgroups.CgroupMode cgroupMode) => hc.CgroupnsMode switch
    {
        "private" => true,
        "host" => false,
        _ => cgroupMode == Quai.Runtime.Cgroups.CgroupMode.Unified,
    };

    private static Resources Resources(HostConfig hc)
    {
        var r = new Resources { Devices = hc.Privileged ? [new DeviceCgroup { Allow = true, Access = "rwm" }] : DefaultDeviceRules() };
        if (hc.Memory > 0 || hc.MemoryReservation > 0 || hc.OomKillDisable == true)
        {
            r.Memory = new MemoryResources();
            if (hc.Memory > 0) r.Memory.Limit = hc.Memory;
            if (hc.Memory > 0 && hc.MemorySwap != 0) r.Memory.Swap = hc.MemorySwap;
            if (hc.MemoryReservation > 0) r.Memory.Reservation = hc.MemoryReservation;
            if (hc.OomKillDisable == true) r.Memory.DisableOomKiller = true;
        }
        if (hc.NanoCpus > 0 || hc.CpuShares > 0 || hc.CpusetCpus.Length > 0 || hc.CpusetMems.Length > 0 || hc.CpuPeriod > 0 || hc.CpuQuota > 0)
        {
            r.Cpu = new CpuResources();
            if (hc.CpusetCpus.Length > 0) r.Cpu.Cpus = hc.CpusetCpus;
            if (hc.CpusetMems.Length > 0) r.Cpu.Mems = hc.CpusetMems;
            if (hc.CpuShares > 0) r.Cpu.Shares = (ulong)hc.CpuShares;
            if (hc.NanoCpus > 0) { r.Cpu.Period = 100000; r.Cpu.Quota = hc.NanoCpus * 100000 / 1_000_000_000; }
            if (hc.CpuPeriod > 0) r.Cpu.Period = (ulong)hc.CpuPeriod;
            if (hc.CpuQuota > 0) r.Cpu.Quota = hc.CpuQuota;
        }
        if (hc.BlkioWeight > 0 || hc.BlkioDeviceReadBps is { Count: > 0 } || hc.BlkioDeviceWriteBps is { Count: > 0 }
            || hc.BlkioDeviceReadIops is { Count: > 0 } || hc.BlkioDeviceWriteIops is { Count: > 0 })
            r.BlockIO = new BlockIo
            {
                Weight = hc.BlkioWeight > 0 ? hc.BlkioWeight : null,
                ThrottleReadBpsDevice = Throttles(hc.BlkioDeviceReadBps), ThrottleWriteBpsDevice = Throttles(hc.BlkioDeviceWriteBps),
                ThrottleReadIopsDevice = Throttles(hc.BlkioDeviceReadIops), ThrottleWriteIopsDevice = Throttles(hc.BlkioDeviceWriteIops),
            };
        if (hc.PidsLimit is > 0 and var p) r.Pids = new PidsResources { Limit = p };
        if (!hc.Privileged)
            foreach (var d in hc.Devices ?? [])
                if (DeviceNode(d.PathOnHost) is { } node)
                    r.Devices.Add(Dev(node.Type[0], node.Major, node.Minor, d.CgroupPermissions));
        return r;
    }

    /// <summary>Whether this kernel can weigh block I/O (v1 blkio.weight, v2 io.weight or io.bfq.weight of the root):
    /// without CFQ/BFQ it cannot, and Docker discards the weight with a warning.</summary>
    public static bool BlkioWeightSupported() =>
        File.Exists("/sys/fs/cgroup/blkio/blkio.weight") || File.Exists("/sys/fs/cgroup/blkio/blkio.bfq.weight")
        || Directory.EnumerateFiles("/sys/fs/cgroup", "cgroup.subtree_control").Any() && File.ReadAllText("/sys/fs/cgroup/cgroup.subtree_control").Split(' ', '\n').Contains("io")
           && Directory.EnumerateDirectories("/sys/fs/cgroup").Any(d => File.Exists(Path.Combine(d, "io.weight")) || File.Exists(Path.Combine(d, "io.bfq.weight")));

    private static List<ThrottleDevice>? Throttles(List<ThrottleSpec>? specs) => specs is not { Count: > 0 } ? null
        : specs.Select(t => DeviceNode(t.Path) is { Type: "b" } node ? new ThrottleDevice { Major = node.Major, Minor = node.Minor, Rate = t.Rate }
            : throw new EngineUsageException($"{t.Path} is not a block device")).ToList();

    private static List<LinuxDevice>? Devices(HostConfig hc)
    {
        if (hc.Devices is not { Count: > 0 }) return null;
        var list = new List<LinuxDevice>();
        foreach (var d in hc.Devices)
        {
            var node = DeviceNode(d.PathOnHost) ?? throw new EngineUsageException($"error gathering device information while adding custom device \"{d.PathOnHost}\": no such file or directory");
            node.Path = d.PathInContainer;
            list.Add(node);
        }
        return list;
    }

    private static LinuxDevice? DeviceNode(string path)
    {
        if (Quai.Interop.Libc.FstatAt(-100 /* AT_FDCWD */, path, out var st, 0) < 0) return null;
        var fmt = st.Mode & 0xF000;
        var type = fmt == 0x2000 ? "c" : fmt == 0x6000 ? "b" : null;
        if (type is null) return null;
        var dev = st.Rdev;
        long major = (long)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
        long minor = (long)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
        return new LinuxDevice { Type = type, Path = path, Major = major, Minor = minor, FileMode = st.Mode & 0xFFF, Uid = st.Uid, Gid = st.Gid };
    }

    private static Seccomp? Seccomp(HostConfig hc, List<string> caps)
    {
        if (hc.Privileged) return null;
        foreach (var opt in hc.SecurityOpt ?? [])
        {
            var (key, value) = SplitOpt(opt);
            if (key != "seccomp") continue;
            if (value == "unconfined") return null;
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(value), RuntimeJsonContext.Default.Seccomp);
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
            {
                throw new EngineUsageException($"opening seccomp profile ({value}) failed: {e.Message}");
            }
        }
        return DefaultSeccompProfile.Create(caps);
    }

    public static (string Key, string Value) SplitOpt(string opt)
    {
        var i = opt.IndexOfAny(['=', ':']);
        return i < 0 ? (opt, "") : (opt[..i], opt[(i + 1)..]);
    }

    private static List<OciMount> Mounts(Container c, string containerDir)
    {
        var hc = c.HostConfig;
        var shm = hc.ShmSize > 0 ? hc.ShmSize : 64L * 1024 * 1024;
        var list = new List<OciMount>
        {
            new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", hc.Privileged ? "rw" : "ro"] },
            new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", hc.Privileged ? "rw" : "ro"] },
            new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
        };
        // --ipc none: no /dev/shm; host: the host's; else a tmpfs of its own (container: joins the IPC
        // namespace, not the other container's /dev/shm, which would mean following its paths from the host)
        if (hc.IpcMode == "host") list.Add(new() { Destination = "/dev/shm", Type = "bind", Source = "/dev/shm", Options = ["rbind", "rprivate"] });
        else if (hc.IpcMode != "none")
            list.Add(new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", $"size={shm}"] });
        if (hc.Init == true)
        {
            var init = HostInitBinary ?? throw new EngineUsageException(
                "--init needs a static init on the host (/usr/bin/tini-static, Debian package tini)");
            list.Add(new() { Destination = InitPath, Type = "bind", Source = init, Options = ["bind", "ro", "nosuid", "nodev", "rprivate"] });
        }
        var userTargets = c.Mounts.Select(m => m.Destination).ToHashSet();
        foreach (var (file, dest) in new[] { ("resolv.conf", "/etc/resolv.conf"), ("hostname", "/etc/hostname"), ("hosts", "/etc/hosts") })
            if (!userTargets.Contains(dest))
                list.Add(new() { Destination = dest, Type = "bind", Source = System.IO.Path.Combine(containerDir, file), Options = ["rbind", "rprivate"] });
        foreach (var m in c.Mounts)
        {
            if (m.Type == "tmpfs")
            {
                var opts = new List<string> { "nosuid", "nodev", "noexec" };
                if (!m.RW) opts.Add("ro");
                if (m.Mode.Length > 0) opts = MergeTmpfsOptions(opts, TmpfsOptions.Parse(m.Mode)); // again: records may predate the check
                list.Add(new() { Destination = m.Destination, Type = "tmpfs", Source = "tmpfs", Options = opts });
            }
            else
                list.Add(new() { Destination = m.Destination, Type = "bind", Source = m.Source, Options = ["rbind", m.RW ? "rw" : "ro", "rprivate"] });
        }
        return list;
    }

    private static List<string> MergeTmpfsOptions(List<string> defaults, IEnumerable<string> user)
    {
        var result = defaults.ToList();
        foreach (var o in user)
        {
            var opposite = o switch { "ro" => "rw", "rw" => "ro", "exec" => "noexec", "noexec" => "exec", "suid" => "nosuid", "nosuid" => "suid", "dev" => "nodev", "nodev" => "dev", _ => null };
            if (opposite is not null) result.Remove(opposite);
            if (!result.Contains(o)) result.Add(o);
        }
        return result;
    }
}
