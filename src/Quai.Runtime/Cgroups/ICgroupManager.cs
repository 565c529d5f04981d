using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups;

/// <summary>Manages the cgroup(s) of one container (cgroup v1 or v2).</summary>
public interface ICgroupManager
{
    /// <summary>Subsystem → absolute directory. v2: "" → dir. Hybrid v1 also carries "" → the cgroup2 dir it joins.</summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>mkdir -p of every directory (v1 cpuset: cpus/mems copied from the parent when empty; v2: controllers enabled in ancestors).</summary>
    void Create();

    /// <summary>Creates if needed and writes all resources (null = no limits, devices still restricted to the default set).</summary>
    void Apply(Resources? r);

    /// <summary>Writes <paramref name="pid"/> to cgroup.procs in every hierarchy.</summary>
    void AddProcess(int pid);

    /// <summary>Writes the given resources; sections that are null are left untouched (devices too).</summary>
    void Update(Resources r);

    IReadOnlyList<int> GetPids(bool recursive = true);
    void Freeze();
    void Thaw();
    bool IsFrozen();
    CgroupStats GetStats();
    ulong OomKillCount();

    /// <summary>Signals every process (v2 SIGKILL: cgroup.kill; otherwise freeze → signal → thaw; SIGKILL loops until empty).</summary>
    void KillAll(int signal);

    /// <summary>Removes every directory (children first), retrying while processes drain. Idempotent.</summary>
    void Destroy();

    bool Exists();
}

/// <summary>Knobs for the managers (defaults match runc).</summary>
public sealed class CgroupOptions
{
    /// <summary>Append runc's default allowed devices (/dev/null, zero, full, tty, random, urandom, pts, ptmx, tun, mknod) after the configured rules.</summary>
    public bool AppendDefaultDevices { get; init; } = true;
    /// <summary>Do not touch the device controller at all.</summary>
    public bool SkipDevices { get; init; }
    /// <summary>How long Freeze/Thaw/KillAll/Destroy wait for the kernel before giving up.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public static CgroupOptions Default { get; } = new();
}
