using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class NetPrioController : IController
{
    public string Name => "net_prio";
    public bool IsRequested(Resources r) => r.Network?.Priorities is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        foreach (var p in r.Network?.Priorities ?? new())
            CgroupFile.Write(dir, "net_prio.ifpriomap", $"{p.Name} {p.Priority}");
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
