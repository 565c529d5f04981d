using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

/// <summary>
/// cgroup v1 manager: one directory per mounted controller (co-mounted controllers such as "cpu,cpuacct"
/// share one). In hybrid mode it also joins the (controller-less) cgroup2 hierarchy under "" as runc does.
/// </summary>
public sealed class V1Manager : CgroupManagerBase
{
    /// <summary>Hierarchies a container joins, in runc's order.</summary>
    public static readonly string[] Subsystems =
    {
        "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb", "net_cls", "net_prio",
        "perf_event", "freezer", "rdma", "misc", "name=systemd",
    };

    private readonly Dictionary<string, string> _paths;
    private readonly IReadOnlyDictionary<string, string> _mounts;
    private readonly List<IController> _controllers;

    /// <param name="paths">subsystem → directory ("" → cgroup2 dir in hybrid mode).</param>
    /// <param name="mounts">subsystem → mount point (used for cpuset inheritance); may be empty.</param>
    public V1Manager(IReadOnlyDictionary<string, string> paths, IReadOnlyDictionary<string, string>? mounts = null, CgroupOptions? options = null)
        : base(options)
    {
        _paths = new Dictionary<string, string>(paths, StringComparer.Ordinal);
        _mounts = mounts ?? new Dictionary<string, string>();
        _controllers = new List<IController>
        {
            new CpusetController(), new DevicesController(Options.AppendDefaultDevices), new MemoryController(),
            new CpuController(), new CpuacctController(), new PidsController(), new BlkioController(),
            new HugetlbController(), new NetClsController(), new NetPrioController(), new RdmaController(),
        };
    }

    public override IReadOnlyDictionary<string, string> Paths => _paths;

    protected override string PrimaryPath =>
        _paths.TryGetValue("freezer", out var f) ? f :
        _paths.TryGetValue("devices", out var d) ? d :
        _paths.TryGetValue("memory", out var m) ? m :
        _paths.Values.FirstOrDefault() ?? throw new CgroupException("no cgroup paths");

    protected override bool CanFreeze => _paths.ContainsKey("freezer");

    public override void Create()
    {
        foreach (var dir in _paths.Values.Distinct(StringComparer.Ordinal)) MkdirAll(dir);
        if (_paths.TryGetValue("cpuset", out var cpuset))
        {
            var mount = _mounts.TryGetValue("cpuset", out var m) ? m : FindMount(cpuset);
            if (mount != null) CpusetController.EnsureInherited(mount, cpuset);
        }
    }

    private static string? FindMount(string dir)
    {
        // Without a mount table (Load), walk up while the parent still has cpuset files.
        var cur = dir;
        string? top = null;
        while (Path.GetDirectoryName(cur) is { } parent && File.Exists(Path.Combine(parent, "cpuset.cpus")))
        {
            top = parent;
            cur = parent;
        }
        return top;
    }

    public override void Apply(Resources? r) => Set(r ?? new Resources(), devicesAlways: true);

    public override void Update(Resources r) => Set(r, devicesAlways: false);

    private void Set(Resources r, bool devicesAlways)
    {
        if (r.Unified is { Count: > 0 })
            throw new CgroupException("cannot apply \"unified\" resources: the host uses cgroup v1 controllers");
        if (!Exists() || _paths.Values.Any(p => !Directory.Exists(p))) Create();
        foreach (var c in _controllers)
        {
            bool devices = c.Name == "devices";
            if (devices && (Options.SkipDevices || (!devicesAlways && r.Devices == null))) continue;
            if (!_paths.TryGetValue(c.Name, out var dir))
            {
                if (c.IsRequested(r))
                    throw new CgroupException($"cannot set {c.Name} limit: the {c.Name} cgroup controller is not mounted");
                continue;
            }
            c.Apply(dir, r);
        }
    }

    // ---- freezer ----

    private string FreezerDir => _paths.TryGetValue("freezer", out var f) ? f
        : throw new CgroupException("the freezer cgroup controller is not mounted");

    private string FreezerState() => CgroupFile.Read(FreezerDir, "freezer.state").Trim();

    public override void Freeze()
    {
        var dir = FreezerDir;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; ; i++)
        {
            // A freeze can get stuck in FREEZING (e.g. a task in an uninterruptible sleep or racing fork);
            // thawing and re-freezing now and then un-sticks it.
            if (i % 50 == 49) CgroupFile.Write(dir, "freezer.state", "THAWED");
            CgroupFile.Write(dir, "freezer.state", "FROZEN");
            var state = FreezerState();
            if (state == "FROZEN") return;
            if (sw.Elapsed > Options.Timeout)
            {
                try { CgroupFile.Write(dir, "freezer.state", "THAWED"); } catch (ErrnoException) { }
                throw new CgroupException($"timed out freezing {dir}: freezer.state is {state}");
            }
            Thread.Sleep(i < 10 ? 1 : 10);
        }
    }

    public override void Thaw()
    {
        var dir = FreezerDir;
        CgroupFile.Write(dir, "freezer.state", "THAWED");
        WaitFor(() => FreezerState() == "THAWED", Options.Timeout, () => $"timed out thawing {dir}: freezer.state is {FreezerState()}");
    }

    // a cgroup removed meanwhile (its monitor cleaning up) is not frozen
    public override bool IsFrozen() =>
        _paths.TryGetValue("freezer", out var dir) && CgroupFile.TryRead(dir, "freezer.state")?.Trim() == "FROZEN";

    // ---- stats ----

    public override CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        foreach (var c in _controllers)
            if (_paths.TryGetValue(c.Name, out var dir) && Directory.Exists(dir)) c.GetStats(dir, stats);
        return stats;
    }

    public override ulong OomKillCount() =>
        _paths.TryGetValue("memory", out var dir) && Directory.Exists(dir) ? MemoryController.OomKills(dir) : 0;
}
