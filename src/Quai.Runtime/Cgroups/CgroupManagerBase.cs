using System.Diagnostics;
using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups;

/// <summary>Code shared by the v1 and v2 managers: pids, kill loop, mkdir/rmdir.</summary>
public abstract class CgroupManagerBase : ICgroupManager
{
    public const int SIGKILL = 9;
    protected readonly CgroupOptions Options;

    protected CgroupManagerBase(CgroupOptions? options) => Options = options ?? CgroupOptions.Default;

    public abstract IReadOnlyDictionary<string, string> Paths { get; }
    public abstract void Create();
    public abstract void Apply(Resources? r);
    public abstract void Update(Resources r);
    public abstract void Freeze();
    public abstract void Thaw();
    public abstract bool IsFrozen();
    public abstract CgroupStats GetStats();
    public abstract ulong OomKillCount();

    /// <summary>The directory whose cgroup.procs lists the container's processes.</summary>
    protected abstract string PrimaryPath { get; }

    /// <summary>Whether a freezer is available (otherwise KillAll signals without freezing).</summary>
    protected abstract bool CanFreeze { get; }

    public bool Exists() => Paths.Values.Any(Directory.Exists);

    public void AddProcess(int pid)
    {
        foreach (var dir in Paths.Values.Distinct(StringComparer.Ordinal))
            WriteProcs(dir, pid);
    }

    internal static void WriteProcs(string dir, int pid)
    {
        for (int attempt = 0; ; attempt++)
        {
            try { CgroupFile.Write(dir, "cgroup.procs", CgroupFile.Str((long)pid)); return; }
            catch (ErrnoException e) when (e.Code == Errno.EINVAL && attempt < 5)
            {
                // A task still in TASK_NEW state can't be moved yet; try again shortly.
                Thread.Sleep(30);
            }
        }
    }

    public IReadOnlyList<int> GetPids(bool recursive = true)
    {
        var pids = new List<int>();
        if (!Directory.Exists(PrimaryPath)) return pids;
        CollectPids(PrimaryPath, recursive, pids);
        return pids;
    }

    private static void CollectPids(string dir, bool recursive, List<int> into)
    {
        string? text;
        try { text = CgroupFile.Read(dir, "cgroup.procs"); }
        catch (ErrnoException e) when (e.Code is Errno.ENOENT or Errno.ENODEV) { return; } // removed meanwhile
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(line, out var pid)) into.Add(pid);
        if (!recursive) return;
        IEnumerable<string> subdirs;
        try { subdirs = Directory.EnumerateDirectories(dir).ToList(); }
        catch (DirectoryNotFoundException) { return; }
        foreach (var sub in subdirs) CollectPids(sub, true, into);
    }

    /// <summary>Sends <paramref name="signal"/> to every process in the cgroup (with SIGKILL: until it is empty).
    /// The cgroup may be removed meanwhile (the container's monitor cleaning up once its init died, while
    /// <c>rm -f</c> kills): a file that vanished mid-way with no process left means the work is done.</summary>
    public void KillAll(int signal)
    {
        try { KillAllCore(signal); }
        catch (Exception e) when (e is ErrnoException { Code: Errno.ENOENT or Errno.ENODEV } or CgroupException && GetPids(true).Count == 0) { }
    }

    protected virtual void KillAllCore(int signal)
    {
        if (!Exists()) return;
        // Nothing to freeze in an empty cgroup (a stopped container's usual case): a process can only
        // enter it from inside, so an empty cgroup stays empty.
        if (GetPids(true).Count == 0) return;
        var deadline = Stopwatch.StartNew();
        do
        {
            bool frozen = false;
            if (CanFreeze)
            {
                try { Freeze(); frozen = true; }
                catch (Exception) when (signal == SIGKILL) { /* still kill without the freezer */ }
            }
            try
            {
                foreach (var pid in GetPids(true))
                {
                    if (Libc.Kill(pid, signal) < 0 && Libc.LastErrno != Errno.ESRCH)
                        throw new ErrnoException($"kill({pid}, {signal})", Libc.LastErrno);
                }
            }
            finally
            {
                if (frozen) Thaw();
            }
            if (signal != SIGKILL) return;
            if (WaitEmpty(TimeSpan.FromMilliseconds(200))) return;
        } while (deadline.Elapsed < Options.Timeout);
        throw new CgroupException($"processes still present in {PrimaryPath} after SIGKILL: {string.Join(' ', GetPids(true))}");
    }

    /// <summary>Waits for the cgroup to become empty; true when it is.</summary>
    protected bool WaitEmpty(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (GetPids(true).Count == 0) return true;
            if (sw.Elapsed > timeout) return false;
            Thread.Sleep(5);
        }
    }

    public virtual void Destroy()
    {
        var errors = new List<string>();
        foreach (var dir in Paths.Values.Distinct(StringComparer.Ordinal))
        {
            try { RemoveTree(dir, Options.Timeout); }
            catch (Exception e) { errors.Add(e.Message); }
        }
        if (errors.Count > 0) throw new CgroupException("failed to remove cgroup: " + string.Join("; ", errors));
    }

    /// <summary>rmdir of a cgroup and every child cgroup below it (deepest first), retrying EBUSY/ENOTEMPTY while tasks exit.</summary>
    internal static void RemoveTree(string dir, TimeSpan timeout)
    {
        if (!Directory.Exists(dir)) return;
        List<string> children;
        try { children = Directory.EnumerateDirectories(dir).ToList(); }
        catch (DirectoryNotFoundException) { return; }
        foreach (var child in children) RemoveTree(child, timeout);

        var sw = Stopwatch.StartNew();
        int delayMs = 1;
        while (true)
        {
            if (Libc.Rmdir(dir) == 0) return;
            int errno = Libc.LastErrno;
            if (errno == Errno.ENOENT) return;
            if (errno is not (Errno.EBUSY or Errno.ENOTEMPTY or Errno.EAGAIN) || sw.Elapsed > timeout)
                throw new ErrnoException($"rmdir {dir}", errno);
            // A child may have been created meanwhile (nested containers): remove it too.
            if (errno == Errno.ENOTEMPTY)
                foreach (var child in Directory.EnumerateDirectories(dir).ToList()) RemoveTree(child, timeout);
            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, 100);
        }
    }

    /// <summary>mkdir -p that ignores EEXIST and names the directory in errors.</summary>
    internal static void MkdirAll(string dir)
    {
        if (Directory.Exists(dir)) return;
        var parent = Path.GetDirectoryName(dir.TrimEnd('/'));
        if (!string.IsNullOrEmpty(parent) && parent != dir) MkdirAll(parent);
        if (Libc.Mkdir(dir, 0x1ed /* 0755 */) < 0)
        {
            int errno = Libc.LastErrno;
            if (errno != Errno.EEXIST) throw new ErrnoException($"mkdir {dir}", errno);
        }
    }

    internal static void WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        int delay = 1;
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new CgroupException(describe());
            Thread.Sleep(delay);
            delay = Math.Min(delay * 2, 50);
        }
    }
}
