using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

/// <summary>memory.swap.max (= swap - limit), memory.max, memory.low; -1 → "max".</summary>
internal sealed class MemoryController : IController
{
    public string Name => "memory";

    public bool IsRequested(Resources r) => r.Memory is { } m &&
        (m.Limit is not null and not 0 || m.Reservation is not null and not 0 || m.Swap is not null and not 0);

    public void Apply(string dir, Resources r)
    {
        var m = r.Memory;
        if (m == null) return;
        long limit = m.Limit ?? 0, swap = m.Swap ?? 0, reservation = m.Reservation ?? 0;
        if (limit == 0 && swap == 0 && reservation == 0) return;
        // swappiness, kernel, kernelTCP and disableOOMKiller have no v2 equivalent and are ignored (as runc does).

        CheckBeforeUpdate(dir, m);
        long swapV2 = Conversions.MemorySwapToV2(swap, limit);
        string? swapStr = Conversions.V2Num(swapV2);
        if (swapStr == null && swapV2 == 0 && swap > 0) swapStr = "0"; // swap == limit: no swap at all
        // Never write an empty value to memory.swap.max; skip it when there is no swap accounting and nothing to cap.
        if (swapStr != null && (CgroupFile.Exists(dir, "memory.swap.max") || swapStr != "max"))
            CgroupFile.Write(dir, "memory.swap.max", swapStr);
        if (Conversions.V2Num(limit) is { } max) CgroupFile.Write(dir, "memory.max", max);
        if (Conversions.V2Num(reservation) is { } low) CgroupFile.Write(dir, "memory.low", low);
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        var raw = CgroupFile.ReadKeyValues(dir, "memory.stat");
        stats.Memory.Raw = raw;
        stats.Memory.Cache = raw.GetValueOrDefault("file");
        var events = CgroupFile.ReadKeyValues(dir, "memory.events");
        stats.Memory.Usage = new MemoryEntry
        {
            Usage = CgroupFile.ReadUintOrZero(dir, "memory.current"),
            Limit = CgroupFile.ReadUintOrZero(dir, "memory.max"),
            Max = CgroupFile.ReadUintOrZero(dir, "memory.peak"),
            Failcnt = events.GetValueOrDefault("max"),
        };
        // v1 reports swap as memory+swap; do the same for compatibility.
        if (CgroupFile.Exists(dir, "memory.swap.current"))
        {
            ulong swapLimit = CgroupFile.ReadUintOrZero(dir, "memory.swap.max");
            stats.Memory.Swap = new MemoryEntry
            {
                Usage = CgroupFile.ReadUintOrZero(dir, "memory.swap.current") + stats.Memory.Usage.Usage,
                Limit = swapLimit == ulong.MaxValue || stats.Memory.Usage.Limit == ulong.MaxValue ? ulong.MaxValue : swapLimit + stats.Memory.Usage.Limit,
                Max = CgroupFile.ReadUintOrZero(dir, "memory.swap.peak"),
                Failcnt = CgroupFile.ReadKeyValues(dir, "memory.swap.events").GetValueOrDefault("max"),
            };
        }
    }

    internal static ulong OomKills(string dir) => CgroupFile.ReadKeyValues(dir, "memory.events").GetValueOrDefault("oom_kill");

    /// <summary>OCI memory.checkBeforeUpdate: refuse a new limit below the current usage instead of reclaiming/OOM-killing.</summary>
    private static void CheckBeforeUpdate(string dir, MemoryResources m)
    {
        if (m.CheckBeforeUpdate != true || m.Limit is not long limit || limit <= 0) return;
        ulong usage = CgroupFile.ReadUintOrZero(dir, "memory.current");
        if ((ulong)limit < usage)
            throw new CgroupException($"rejecting memory limit {limit}: below the current usage {usage} of {dir} (checkBeforeUpdate)");
    }
}
