using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class CpuacctController : IController
{
    private const ulong NanosPerTick = 1_000_000_000 / 100; // USER_HZ is 100 on Linux

    public string Name => "cpuacct";
    public bool IsRequested(Resources r) => false;
    public void Apply(string dir, Resources r) { }

    public void GetStats(string dir, CgroupStats stats)
    {
        stats.Cpu.Usage.Total = CgroupFile.ReadUintOrZero(dir, "cpuacct.usage");
        var percpu = CgroupFile.TryRead(dir, "cpuacct.usage_percpu");
        if (percpu != null)
            stats.Cpu.Usage.PerCpu = percpu.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(s => s.Length > 0).Select(s => CgroupFile.ParseUint(s, Path.Combine(dir, "cpuacct.usage_percpu"))).ToList();
        var kv = CgroupFile.ReadKeyValues(dir, "cpuacct.stat");
        stats.Cpu.Usage.User = kv.GetValueOrDefault("user") * NanosPerTick;
        stats.Cpu.Usage.Kernel = kv.GetValueOrDefault("system") * NanosPerTick;
    }
}
