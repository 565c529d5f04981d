using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

internal sealed class CpusetController : IController
{
    public string Name => "cpuset";
    public bool IsRequested(Resources r) => !string.IsNullOrEmpty(r.Cpu?.Cpus) || !string.IsNullOrEmpty(r.Cpu?.Mems);

    public void Apply(string dir, Resources r)
    {
        if (!string.IsNullOrEmpty(r.Cpu?.Cpus)) CgroupFile.Write(dir, "cpuset.cpus", r.Cpu!.Cpus!);
        if (!string.IsNullOrEmpty(r.Cpu?.Mems)) CgroupFile.Write(dir, "cpuset.mems", r.Cpu!.Mems!);
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
