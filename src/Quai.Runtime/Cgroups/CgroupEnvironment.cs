namespace Quai.Runtime.Cgroups;

/// <summary>
/// Where the cgroup hierarchies of this host live and which cgroup the runtime process itself is in.
/// <see cref="Detect"/> reads /proc/self/mountinfo and /proc/self/cgroup; the <c>For*Root</c> factories
/// describe a fake layout (a temp dir shaped like /sys/fs/cgroup) for tests.
/// </summary>
public sealed class CgroupEnvironment
{
    public CgroupMode Mode { get; init; }
    /// <summary>cgroup2 mount point (unified: /sys/fs/cgroup, hybrid: /sys/fs/cgroup/unified), or null.</summary>
    public string? UnifiedMountPoint { get; init; }
    /// <summary>v1 controller (incl. "name=systemd") → mount point.</summary>
    public IReadOnlyDictionary<string, string> V1MountPoints { get; init; } = new Dictionary<string, string>();
    /// <summary>Controller → the mount's root inside its hierarchy (mountinfo field 4; "/" normally).</summary>
    public IReadOnlyDictionary<string, string> MountRoots { get; init; } = new Dictionary<string, string>();
    /// <summary>Controller → own cgroup path from /proc/self/cgroup ("" = the v2 line).</summary>
    public IReadOnlyDictionary<string, string> OwnCgroups { get; init; } = new Dictionary<string, string>();

    private static CgroupEnvironment? s_host;

    /// <summary>The host's environment (cached).</summary>
    public static CgroupEnvironment Detect() =>
        s_host ??= FromProc(File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/cgroup"));

    public static CgroupEnvironment FromProc(string mountinfo, string procSelfCgroup, string cgroupRoot = "/sys/fs/cgroup")
    {
        var mounts = MountInfo.Parse(mountinfo);
        var mode = MountInfo.DetectMode(mounts, cgroupRoot);
        var v1 = new Dictionary<string, string>(StringComparer.Ordinal);
        var roots = new Dictionary<string, string>(StringComparer.Ordinal);
        string? unified = null;
        foreach (var m in mounts)
        {
            if (m.FsType == "cgroup2")
            {
                // Prefer the mount under the cgroup root (a host can have extra bind mounts).
                if (unified == null || m.MountPoint == cgroupRoot || m.MountPoint == cgroupRoot + "/unified")
                {
                    unified = m.MountPoint;
                    roots[""] = m.Root;
                }
            }
            else if (m.FsType == "cgroup")
            {
                foreach (var c in m.Controllers)
                {
                    if (v1.ContainsKey(c) && !m.MountPoint.StartsWith(cgroupRoot + "/", StringComparison.Ordinal)) continue;
                    v1[c] = m.MountPoint;
                    roots[c] = m.Root;
                }
            }
        }
        if (mode == CgroupMode.Unified) v1.Clear();
        return new CgroupEnvironment
        {
            Mode = mode,
            UnifiedMountPoint = unified,
            V1MountPoints = v1,
            MountRoots = roots,
            OwnCgroups = MountInfo.ParseProcCgroup(procSelfCgroup),
        };
    }

    /// <summary>A fake pure-v2 layout rooted at <paramref name="root"/>; the runtime is in <paramref name="ownCgroup"/>.</summary>
    public static CgroupEnvironment ForUnifiedRoot(string root, string ownCgroup = "/") => new()
    {
        Mode = CgroupMode.Unified,
        UnifiedMountPoint = root,
        MountRoots = new Dictionary<string, string> { [""] = "/" },
        OwnCgroups = new Dictionary<string, string> { [""] = ownCgroup },
    };

    /// <summary>A fake v1 layout: each controller mounted at <c>root/controller</c> (optionally a cgroup2 at root/unified).</summary>
    public static CgroupEnvironment ForLegacyRoot(string root, IEnumerable<string> controllers, string ownCgroup = "/", bool hybrid = false)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        var roots = new Dictionary<string, string>(StringComparer.Ordinal);
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in controllers)
        {
            mounts[c] = Path.Combine(root, c.StartsWith("name=", StringComparison.Ordinal) ? c[5..] : c);
            roots[c] = "/";
            own[c] = ownCgroup;
        }
        if (hybrid) { roots[""] = "/"; own[""] = ownCgroup; }
        return new CgroupEnvironment
        {
            Mode = hybrid ? CgroupMode.Hybrid : CgroupMode.Legacy,
            UnifiedMountPoint = hybrid ? Path.Combine(root, "unified") : null,
            V1MountPoints = mounts,
            MountRoots = roots,
            OwnCgroups = own,
        };
    }

    /// <summary>The runtime's own cgroup for <paramref name="controller"/>, relative to that hierarchy's mount.</summary>
    public string OwnPathRelativeToMount(string controller)
    {
        if (!OwnCgroups.TryGetValue(controller, out var own)) own = "/";
        if (MountRoots.TryGetValue(controller, out var root) && root != "/" && root.Length > 0)
        {
            if (own == root) own = "/";
            else if (own.StartsWith(root + "/", StringComparison.Ordinal)) own = own[root.Length..];
        }
        return own.Length == 0 ? "/" : own;
    }
}
