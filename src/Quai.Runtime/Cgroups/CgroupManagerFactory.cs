using Quai.Runtime.Cgroups.V1;
using Quai.Runtime.Cgroups.V2;

namespace Quai.Runtime.Cgroups;

public static class CgroupManagerFactory
{
    /// <summary>
    /// Manager for a container. <paramref name="cgroupsPath"/>: absolute = below each hierarchy's root;
    /// relative = below the runtime's own cgroup (v2: its parent, as runc does); null/empty = "&lt;containerId&gt;"
    /// relative (runc's default). "slice:prefix:name" (systemd driver) is rejected.
    /// </summary>
    public static ICgroupManager Create(string? cgroupsPath, string containerId, bool rootless) =>
        Create(cgroupsPath, containerId, rootless, CgroupEnvironment.Detect(), null);

    /// <summary>As <see cref="Create(string?, string, bool)"/> with an explicit host layout (tests: a fake root dir).</summary>
    public static ICgroupManager Create(string? cgroupsPath, string containerId, bool rootless, CgroupEnvironment env, CgroupOptions? options)
    {
        var (inner, absolute) = CgroupPath.Parse(cgroupsPath, containerId);
        if (inner is "" or "/")
            throw new CgroupException($"cgroupsPath \"{cgroupsPath}\" names the root of the cgroup hierarchy; a container needs its own cgroup");
        ICgroupManager manager;
        switch (env.Mode)
        {
            case CgroupMode.Unified:
            {
                string mount = env.UnifiedMountPoint ?? throw new CgroupException("cgroup2 mount not found");
                string dir = absolute
                    ? CgroupPath.Join(mount, inner)
                    // The runtime's own leaf normally has processes in it, so it can't have controllers
                    // enabled for children: runc uses the parent of its own cgroup instead.
                    : CgroupPath.Join(mount, CgroupPath.Parent(env.OwnPathRelativeToMount("")), inner);
                manager = new V2Manager(dir, mount, options);
                break;
            }
            case CgroupMode.Legacy:
            case CgroupMode.Hybrid:
            {
                var paths = new Dictionary<string, string>(StringComparer.Ordinal);
                var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var sub in V1Manager.Subsystems)
                {
                    if (!env.V1MountPoints.TryGetValue(sub, out var mount)) continue;
                    mounts[sub] = mount;
                    paths[sub] = absolute ? CgroupPath.Join(mount, inner) : CgroupPath.Join(mount, env.OwnPathRelativeToMount(sub), inner);
                }
                // Hybrid: join the controller-less cgroup2 tree too, so cgroup2-based tools (and eBPF users) see the container.
                if (env.Mode == CgroupMode.Hybrid && env.UnifiedMountPoint is { } u)
                    paths[""] = absolute ? CgroupPath.Join(u, inner) : CgroupPath.Join(u, env.OwnPathRelativeToMount(""), inner);
                if (paths.Count == 0) throw new CgroupException("no cgroup v1 controllers are mounted");
                manager = new V1Manager(paths, mounts, options);
                break;
            }
            default:
                if (rootless) return new NoopCgroupManager();
                throw new CgroupException("no cgroup filesystem is mounted");
        }
        return rootless ? new RootlessCgroupManager(manager) : manager;
    }

    /// <summary>Re-creates a manager from <see cref="ICgroupManager.Paths"/> (e.g. saved in container state).</summary>
    public static ICgroupManager Load(IReadOnlyDictionary<string, string> paths) => Load(paths, null);

    public static ICgroupManager Load(IReadOnlyDictionary<string, string> paths, CgroupOptions? options)
    {
        if (paths.Count == 0) return new NoopCgroupManager();
        if (paths.Count == 1 && paths.TryGetValue("", out var dir))
        {
            string? mount = null;
            try
            {
                var env = CgroupEnvironment.Detect();
                if (env.UnifiedMountPoint != null && dir.StartsWith(env.UnifiedMountPoint.TrimEnd('/') + "/", StringComparison.Ordinal))
                    mount = env.UnifiedMountPoint;
            }
            catch (IOException) { }
            return new V2Manager(dir, mount, options);
        }
        return new V1Manager(paths, null, options);
    }

    public static CgroupMode DetectMode() => CgroupEnvironment.Detect().Mode;
}
