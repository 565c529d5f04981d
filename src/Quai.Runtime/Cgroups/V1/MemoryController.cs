using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class MemoryController : IController
{
    private const string Limit = "memory.limit_in_bytes", SwapLimit = "memory.memsw.limit_in_bytes";

    public string Name => "memory";

    public bool IsRequested(Resources r) => r.Memory is { } m &&
        (m.Limit is not null and not 0 || m.Reservation is not null and not 0 || m.Swap is not null and not 0 ||
         m.KernelTcp is not null and not 0 || m.Swappiness != null || m.DisableOomKiller == true);

    public void Apply(string dir, Resources r)
    {
        var m = r.Memory;
        if (m == null) return;
        CheckBeforeUpdate(dir, m);
        SetMemoryAndSwap(dir, m.Limit ?? 0, m.Swap ?? 0);

        // Kernel memory (memory.kmem.limit_in_bytes) is deprecated and ignored, as runc does; kernelTCP is still honoured.
        if (m.KernelTcp is long tcp && tcp != 0) CgroupFile.Write(dir, "memory.kmem.tcp.limit_in_bytes", CgroupFile.Str(tcp));
        if (m.Reservation is long res && res != 0) CgroupFile.Write(dir, "memory.soft_limit_in_bytes", CgroupFile.Str(res));
        if (m.DisableOomKiller == true) CgroupFile.Write(dir, "memory.oom_control", "1");
        if (m.Swappiness is ulong sw)
        {
            if (sw > 100) throw new CgroupException($"invalid memory swappiness {sw}: valid range is 0-100");
            CgroupFile.Write(dir, "memory.swappiness", CgroupFile.Str(sw));
        }
    }

    private static void SetMemoryAndSwap(string dir, long memory, long swap)
    {
        bool hasSwapFile = CgroupFile.Exists(dir, SwapLimit);
        // Unlimited memory with swap unset means unlimited memory+swap (cgroup v1 requires memsw >= memory).
        if (memory == -1 && swap == 0 && hasSwapFile) swap = -1;
        if (swap == -1 && !hasSwapFile) swap = 0; // no swap accounting: nothing to lift

        if (memory != 0 && swap != 0)
        {
            ulong cur = CgroupFile.ReadUint(dir, Limit);
            // When raising the limit, memsw must go first (memsw >= memory is enforced on every write).
            if (swap == -1 || cur < (ulong)swap)
            {
                CgroupFile.Write(dir, SwapLimit, CgroupFile.Str(swap));
                WriteLimit(dir, memory);
                return;
            }
        }
        if (memory != 0) WriteLimit(dir, memory);
        if (swap != 0) CgroupFile.Write(dir, SwapLimit, CgroupFile.Str(swap));
    }

    private static void WriteLimit(string dir, long memory)
    {
        try { CgroupFile.Write(dir, Limit, CgroupFile.Str(memory)); }
        catch (ErrnoException e) when (e.Code == Errno.EBUSY)
        {
            ulong usage = CgroupFile.ReadUintOrZero(dir, "memory.usage_in_bytes");
            ulong peak = CgroupFile.ReadUintOrZero(dir, "memory.max_usage_in_bytes");
            throw new CgroupException($"{e.Message}; unable to set memory limit to {memory} (current usage: {usage}, peak usage: {peak})", e);
        }
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        var raw = CgroupFile.ReadKeyValues(dir, "memory.stat");
        stats.Memory.Raw = raw;
        stats.Memory.Cache = raw.GetValueOrDefault("cache");
        stats.Memory.Usage = Entry(dir, "memory");
        stats.Memory.Swap = Entry(dir, "memory.memsw");
        stats.Memory.Kernel = Entry(dir, "memory.kmem");
        stats.Memory.KernelTcp = Entry(dir, "memory.kmem.tcp");
    }

    private static MemoryEntry Entry(string dir, string prefix) => new()
    {
        Usage = CgroupFile.ReadUintOrZero(dir, prefix + ".usage_in_bytes"),
        Max = CgroupFile.ReadUintOrZero(dir, prefix + ".max_usage_in_bytes"),
        Failcnt = CgroupFile.ReadUintOrZero(dir, prefix + ".failcnt"),
        Limit = CgroupFile.ReadUintOrZero(dir, prefix + ".limit_in_bytes"),
    };

    /// <summary>oom_kill count from memory.oom_control.</summary>
    internal static ulong OomKills(string dir) => CgroupFile.ReadKeyValues(dir, "memory.oom_control").GetValueOrDefault("oom_kill");

    /// <summary>OCI memory.checkBeforeUpdate: refuse a new limit below the current usage instead of reclaiming/OOM-killing.</summary>
    private static void CheckBeforeUpdate(string dir, MemoryResources m)
    {
        if (m.CheckBeforeUpdate != true || m.Limit is not long limit || limit <= 0) return;
        ulong usage = CgroupFile.ReadUintOrZero(dir, "memory.usage_in_bytes");
        if ((ulong)limit < usage)
            throw new CgroupException($"rejecting memory limit {limit}: below the current usage {usage} of {dir} (checkBeforeUpdate)");
    }
}
