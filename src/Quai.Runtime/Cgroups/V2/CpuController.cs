using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

/// <summary>cpu.weight (converted from shares), cpu.max "quota period", cpu.max.burst, cpu.idle.</summary>
internal sealed class CpuController : IController
{
    public string Name => "cpu";

    public bool IsRequested(Resources r) => r.Cpu is { } c &&
        (c.Shares is > 0 || c.Quota is not null and not 0 || c.Period is > 0 || c.Burst != null || c.Idle != null ||
         c.RealtimeRuntime is not null and not 0 || c.RealtimePeriod is > 0);

    public void Apply(string dir, Resources r)
    {
        var c = r.Cpu;
        if (c == null) return;
        if (c.RealtimeRuntime is not null and not 0 || c.RealtimePeriod is > 0)
            throw new CgroupException("cpu.realtimeRuntime/realtimePeriod are not supported with cgroup v2");

        if (c.Idle is long idle) CgroupFile.Write(dir, "cpu.idle", CgroupFile.Str(idle));
        if (c.Shares is ulong shares and > 0) CgroupFile.Write(dir, "cpu.weight", CgroupFile.Str(Conversions.CpuSharesToWeight(shares)));

        string? max = Conversions.CpuMax(c.Quota, c.Period);
        bool burstPending = false;
        if (c.Burst is ulong burst)
        {
            // The burst must not exceed the quota: try it first (shrinking), else after cpu.max (growing).
            try { CgroupFile.Write(dir, "cpu.max.burst", CgroupFile.Str(burst)); }
            catch (ErrnoException) when (max != null) { burstPending = true; }
        }
        if (max != null) CgroupFile.Write(dir, "cpu.max", max);
        if (burstPending) CgroupFile.Write(dir, "cpu.max.burst", CgroupFile.Str(c.Burst!.Value));
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        var kv = CgroupFile.ReadKeyValues(dir, "cpu.stat");
        stats.Cpu.Usage.Total = kv.GetValueOrDefault("usage_usec") * 1000;
        stats.Cpu.Usage.User = kv.GetValueOrDefault("user_usec") * 1000;
        stats.Cpu.Usage.Kernel = kv.GetValueOrDefault("system_usec") * 1000;
        stats.Cpu.Throttling.Periods = kv.GetValueOrDefault("nr_periods");
        stats.Cpu.Throttling.ThrottledPeriods = kv.GetValueOrDefault("nr_throttled");
        stats.Cpu.Throttling.ThrottledTime = kv.GetValueOrDefault("throttled_usec") * 1000;
    }
}
