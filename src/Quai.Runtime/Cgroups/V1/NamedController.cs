using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

/// <summary>Hierarchies that are only joined (freezer, perf_event, name=systemd, misc): no resources.</summary>
internal sealed class NamedController : IController
{
    public NamedController(string name) => Name = name;
    public string Name { get; }
    public bool IsRequested(Resources r) => false;
    public void Apply(string dir, Resources r) { }
    public void GetStats(string dir, CgroupStats stats) { }
}
