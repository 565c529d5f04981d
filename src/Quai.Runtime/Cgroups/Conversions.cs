namespace Quai.Runtime.Cgroups;

/// <summary>cgroup v1 (OCI) → cgroup v2 value conversions, following runc.</summary>
public static class Conversions
{
    /// <summary>
    /// cpu.shares [2..262144] → cpu.weight [1..10000] with the quadratic-in-log2 mapping current runc
    /// (opencontainers/cgroups ≥ 0.0.2 / runc 1.3.2+, 1.4) uses, which maps the defaults onto each other
    /// (2→1, 1024→100, 262144→10000). 0 means "unset".
    /// </summary>
    public static ulong CpuSharesToWeight(ulong shares)
    {
        if (shares == 0) return 0;
        if (shares <= 2) return 1;
        if (shares >= 262144) return 10000;
        double l = Math.Log2(shares);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (ulong)Math.Ceiling(Math.Pow(10, exponent));
    }

    /// <summary>The older linear runc formula 1 + ((shares-2)*9999)/262142 (runc ≤ 1.3.1), kept for reference.</summary>
    public static ulong CpuSharesToWeightLegacy(ulong shares) => shares == 0 ? 0 : 1 + ((shares - 2) * 9999) / 262142;

    /// <summary>blkio.weight [10..1000] → io.weight [1..10000]: 1 + (w-10)*9999/990. 0 means unset.</summary>
    public static ulong BlkioWeightToIoWeight(ulong weight) => weight == 0 ? 0 : 1 + (weight - 10) * 9999 / 990;

    /// <summary>
    /// OCI memory.swap is memory+swap; v2's memory.swap.max is swap alone. Returns the v2 value
    /// (-1 = max, 0 = unset) or throws for inconsistent input.
    /// </summary>
    public static long MemorySwapToV2(long swap, long memory)
    {
        if (memory == -1 && swap == 0) return -1;   // unlimited memory, swap unset → both unlimited
        if (swap == -1 || swap == 0) return swap;
        if (memory == 0 || memory == -1) throw new CgroupException($"unable to set swap limit {swap} without memory limit");
        if (memory < 0) throw new CgroupException($"invalid memory value: {memory}");
        if (swap < memory) throw new CgroupException($"memory+swap limit {swap} should be >= memory limit {memory}");
        return swap - memory;
    }

    /// <summary>v2 numeric knob: -1 → "max", 0 → null (leave alone), else the number.</summary>
    public static string? V2Num(long value) => value switch
    {
        0 => null,
        < 0 => "max",
        _ => CgroupFile.Str(value),
    };

    /// <summary>cpu.max contents for quota/period (runc: "max" unless quota &gt; 0; period appended when set).</summary>
    public static string? CpuMax(long? quota, ulong? period)
    {
        long q = quota ?? 0; ulong p = period ?? 0;
        if (q == 0 && p == 0) return null;
        string s = q > 0 ? CgroupFile.Str(q) : "max";
        if (p != 0) s += " " + CgroupFile.Str(p);
        return s;
    }
}
