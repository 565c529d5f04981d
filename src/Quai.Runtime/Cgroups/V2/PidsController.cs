using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

internal sealed class PidsController : IController
{
    public string Name => "pids";
    public bool IsRequested(Resources r) => r.Pids is { Limit: not 0 };

    public void Apply(string dir, Resources r)
    {
        if (r.Pids is not { } p || p.Limit == 0) return;
        CgroupFile.Write(dir, "pids.max", p.Limit > 0 ? CgroupFile.Str(p.Limit) : "max");
    }

    public void GetStats(string dir, CgroupStats stats) => V1.PidsController.ReadPids(dir, stats);
}
