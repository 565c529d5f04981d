using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

/// <summary>cgroup v2 manager: a single directory in the unified hierarchy.</summary>
public sealed class V2Manager : CgroupManagerBase
{
    private readonly string _dir;
    private readonly string? _mount;
    private readonly Dictionary<string, string> _paths;
    private readonly List<IController> _controllers;
    private readonly IController _unified = new UnifiedController();

    /// <param name="dir">The container's cgroup directory.</param>
    /// <param name="mountPoint">The cgroup2 mount (controllers are enabled in every ancestor below it); null = parent only.</param>
    public V2Manager(string dir, string? mountPoint = null, CgroupOptions? options = null) : base(options)
    {
        _dir = dir.TrimEnd('/');
        _mount = mountPoint?.TrimEnd('/');
        _paths = new Dictionary<string, string>(StringComparer.Ordinal) { [""] = _dir };
        _controllers = new List<IController>
        {
            new PidsController(), new MemoryController(), new IoController(), new CpuController(),
            new DevicesController(Options.AppendDefaultDevices), new V1.CpusetController(), new HugetlbController(), new V1.RdmaController(),
        };
    }

    public override IReadOnlyDictionary<string, string> Paths => _paths;
    protected override string PrimaryPath => _dir;
    protected override bool CanFreeze => true;

    public override void Create()
    {
        string parent = Path.GetDirectoryName(_dir) ?? "/";
        MkdirAll(parent);
        // Enable every available controller in each ancestor's subtree_control (mount … parent), as runc does.
        string start = _mount != null && _dir.StartsWith(_mount + "/", StringComparison.Ordinal) ? _mount : parent;
        var chain = new List<string> { start };
        if (start != parent)
            foreach (var part in parent[start.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
                chain.Add(chain[^1] + "/" + part);
        foreach (var dir in chain) EnableControllers(dir);
        MkdirAll(_dir);
    }

    private static void EnableControllers(string dir)
    {
        var available = CgroupFile.TryRead(dir, "cgroup.controllers")?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (available is not { Length: > 0 }) return;
        var enabled = (CgroupFile.TryRead(dir, "cgroup.subtree_control") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var missing = available.Where(c => !enabled.Contains(c)).ToList();
        if (missing.Count == 0) return;
        try { CgroupFile.Write(dir, "cgroup.subtree_control", string.Join(' ', missing.Select(c => "+" + c))); }
        catch (ErrnoException)
        {
            // Some controllers can't be enabled here (e.g. threaded subtree, busy cpuset): enable what we can.
            foreach (var c in missing)
            {
                try { CgroupFile.Write(dir, "cgroup.subtree_control", "+" + c); }
                catch (ErrnoException) { }
            }
        }
    }

    public override void Apply(Resources? r) => Set(r ?? new Resources(), devicesAlways: true);
    public override void Update(Resources r) => Set(r, devicesAlways: false);

    private void Set(Resources r, bool devicesAlways)
    {
        if (!Directory.Exists(_dir)) Create();
        if (r.Network is { } n && (n.ClassId is > 0 || n.Priorities is { Count: > 0 }))
        {
            // net_cls/net_prio do not exist on cgroup v2 (runc ignores them too); nothing to write.
        }
        HashSet<string>? available = null;
        foreach (var c in _controllers)
        {
            if (c.Name == "devices")
            {
                if (Options.SkipDevices || (!devicesAlways && r.Devices == null)) continue;
                c.Apply(_dir, r);
                continue;
            }
            if (!c.IsRequested(r)) continue;
            available ??= (CgroupFile.TryRead(_dir, "cgroup.controllers") ?? "")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            if (!available.Contains(c.Name))
                throw new CgroupException($"cannot set {c.Name} limit: the {c.Name} controller is not enabled for {_dir} (cgroup.controllers: \"{string.Join(' ', available)}\")");
            c.Apply(_dir, r);
        }
        _unified.Apply(_dir, r);
    }

    // ---- freezer ----

    private string? EventValue(string key) =>
        (CgroupFile.TryRead(_dir, "cgroup.events") ?? "").Split('\n', StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[0] == key)?[1];

    public override void Freeze()
    {
        CgroupFile.Write(_dir, "cgroup.freeze", "1");
        WaitFor(() => EventValue("frozen") == "1", Options.Timeout, () => $"timed out freezing {_dir}: cgroup.events frozen is {EventValue("frozen")}");
    }

    public override void Thaw()
    {
        CgroupFile.Write(_dir, "cgroup.freeze", "0");
        WaitFor(() => EventValue("frozen") != "1", Options.Timeout, () => $"timed out thawing {_dir}");
    }

    public override bool IsFrozen() => Directory.Exists(_dir) && EventValue("frozen") == "1";

    protected override void KillAllCore(int signal)
    {
        if (!Directory.Exists(_dir)) return;
        if (signal == SIGKILL && CgroupFile.Exists(_dir, "cgroup.kill"))
        {
            CgroupFile.Write(_dir, "cgroup.kill", "1");
            if (WaitEmpty(Options.Timeout)) return;
            throw new CgroupException($"processes still present in {_dir} after cgroup.kill: {string.Join(' ', GetPids(true))}");
        }
        base.KillAllCore(signal);
    }

    // ---- stats ----

    public override CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        if (!Directory.Exists(_dir)) return stats;
        foreach (var c in _controllers) c.GetStats(_dir, stats);
        // cpu.stat's usage fields exist even without the cpu controller.
        return stats;
    }

    public override ulong OomKillCount() => Directory.Exists(_dir) ? MemoryController.OomKills(_dir) : 0;
}
