using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups;

/// <summary>
/// Rootless without cgroup access: every operation is a no-op (like runc's rootless manager
/// when the cgroup can't be written).
/// </summary>
public sealed class NoopCgroupManager : ICgroupManager
{
    public IReadOnlyDictionary<string, string> Paths { get; } = new Dictionary<string, string>();
    public void Create() { }
    public void Apply(Resources? r) { }
    public void AddProcess(int pid) { }
    public void Update(Resources r) { }
    public IReadOnlyList<int> GetPids(bool recursive = true) => Array.Empty<int>();
    public void Freeze() => throw new CgroupException("cannot freeze: the container has no cgroup (rootless without cgroup access)");
    public void Thaw() { }
    public bool IsFrozen() => false;
    public CgroupStats GetStats() => new();
    public ulong OomKillCount() => 0;
    public void KillAll(int signal) { }
    public void Destroy() { }
    public bool Exists() => false;
}

/// <summary>
/// Rootless wrapper: uses the real manager when its directories can be created and written,
/// otherwise degrades to doing nothing.
/// </summary>
public sealed class RootlessCgroupManager : ICgroupManager
{
    private readonly ICgroupManager _inner;
    private bool _disabled;

    public RootlessCgroupManager(ICgroupManager inner) => _inner = inner;

    /// <summary>True once cgroups turned out not to be writable.</summary>
    public bool Disabled => _disabled;

    private bool Try(Action a)
    {
        if (_disabled) return false;
        try { a(); return true; }
        catch (Exception e) when (IsPermission(e)) { _disabled = true; return false; }
    }

    private static bool IsPermission(Exception e) =>
        e is Quai.Interop.ErrnoException { Code: Quai.Interop.Errno.EACCES or Quai.Interop.Errno.EPERM or Quai.Interop.Errno.EROFS }
        || e is UnauthorizedAccessException
        || (e.InnerException != null && IsPermission(e.InnerException));

    public IReadOnlyDictionary<string, string> Paths => _disabled ? new Dictionary<string, string>() : _inner.Paths;
    public void Create() => Try(_inner.Create);
    public void Apply(Resources? r) => Try(() => _inner.Apply(r));
    public void AddProcess(int pid) => Try(() => _inner.AddProcess(pid));
    public void Update(Resources r) => Try(() => _inner.Update(r));
    public IReadOnlyList<int> GetPids(bool recursive = true) => _disabled ? Array.Empty<int>() : _inner.GetPids(recursive);
    public void Freeze() { if (_disabled) throw new CgroupException("cannot freeze: rootless container has no cgroup"); _inner.Freeze(); }
    public void Thaw() { if (!_disabled) _inner.Thaw(); }
    public bool IsFrozen() => !_disabled && _inner.IsFrozen();
    public CgroupStats GetStats() => _disabled ? new CgroupStats() : _inner.GetStats();
    public ulong OomKillCount() => _disabled ? 0 : _inner.OomKillCount();
    public void KillAll(int signal) => Try(() => _inner.KillAll(signal));
    public void Destroy()
    {
        // Even after degrading, remove whatever was created before the permission error.
        try { if (_inner.Exists()) _inner.Destroy(); }
        catch (Exception e) when (IsPermission(e)) { }
    }
    public bool Exists() => !_disabled && _inner.Exists();
}
