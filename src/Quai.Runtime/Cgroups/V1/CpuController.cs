using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class CpuController : IController
{
    public string Name => "cpu";

    public bool IsRequested(Resources r) => r.Cpu is { } c &&
        (c.Shares is > 0 || c.Quota is not null and not 0 || c.Period is > 0 || c.Burst != null ||
         c.RealtimeRuntime is not null and not 0 || c.RealtimePeriod is > 0 || c.Idle != null);

    public void Apply(string dir, Resources r)
    {
        var c = r.Cpu;
        if (c == null) return;
        // Realtime first: the rt budget must be in place before any RT task joins.
        if (c.RealtimePeriod is > 0) CgroupFile.Write(dir, "cpu.rt_period_us", CgroupFile.Str(c.RealtimePeriod.Value));
        if (c.RealtimeRuntime is long rt && rt != 0) CgroupFile.Write(dir, "cpu.rt_runtime_us", CgroupFile.Str(rt));

        if (c.Shares is ulong shares and > 0)
        {
            CgroupFile.Write(dir, "cpu.shares", CgroupFile.Str(shares));
            ulong actual = CgroupFile.ReadUint(dir, "cpu.shares");
            if (actual != shares)
                throw new CgroupException(shares > actual
                    ? $"the maximum allowed cpu-shares is {actual} (requested {shares})"
                    : $"the minimum allowed cpu-shares is {actual} (requested {shares})");
        }

        bool periodPending = false;
        if (c.Period is ulong period and > 0)
        {
            try { CgroupFile.Write(dir, "cpu.cfs_period_us", CgroupFile.Str(period)); }
            catch (ErrnoException e) when (e.Code == Errno.EINVAL && c.Quota is not null and not 0)
            {
                // A smaller period can be rejected while the old quota is still in place; retry after the quota.
                periodPending = true;
            }
        }
        if (c.Quota is long quota && quota != 0)
        {
            CgroupFile.Write(dir, "cpu.cfs_quota_us", CgroupFile.Str(quota < 0 ? -1 : quota));
            if (periodPending) CgroupFile.Write(dir, "cpu.cfs_period_us", CgroupFile.Str(c.Period!.Value));
        }
        if (c.Burst is ulong burst) CgroupFile.Write(dir, "cpu.cfs_burst_us", CgroupFile.Str(burst));
        if (c.Idle is long idle) CgroupFile.Write(dir, "cpu.idle", CgroupFile.Str(idle));
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        var kv = CgroupFile.ReadKeyValues(dir, "cpu.stat");
        stats.Cpu.Throttling.Periods = kv.GetValueOrDefault("nr_periods");
        stats.Cpu.Throttling.ThrottledPeriods = kv.GetValueOrDefault("nr_throttled");
        stats.Cpu.Throttling.ThrottledTime = kv.GetValueOrDefault("throttled_time");
    }
}
