using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class PidsController : IController
{
    public string Name => "pids";
    public bool IsRequested(Resources r) => r.Pids is { Limit: not 0 };

    public void Apply(string dir, Resources r)
    {
        if (r.Pids is not { } p || p.Limit == 0) return; // 0 = unset (runc); negative = unlimited
        CgroupFile.Write(dir, "pids.max", p.Limit > 0 ? CgroupFile.Str(p.Limit) : "max");
    }

    public void GetStats(string dir, CgroupStats stats) => ReadPids(dir, stats);

    internal static void ReadPids(string dir, CgroupStats stats)
    {
        stats.Pids.Current = CgroupFile.ReadUintOrZero(dir, "pids.current");
        var max = CgroupFile.TryRead(dir, "pids.max")?.Trim();
        stats.Pids.Limit = max is null or "max" ? 0 : CgroupFile.ParseUint(max, Path.Combine(dir, "pids.max"));
    }
}
