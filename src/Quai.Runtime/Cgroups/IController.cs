using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups;

/// <summary>One cgroup controller (v1 subsystem or v2 controller): writes its part of Resources, reads its stats.</summary>
internal interface IController
{
    /// <summary>v1 subsystem name (the key in <see cref="ICgroupManager.Paths"/>) or the v2 controller name.</summary>
    string Name { get; }

    /// <summary>Does <paramref name="r"/> ask this controller to change anything?</summary>
    bool IsRequested(Resources r);

    /// <summary>Writes the controller's settings from <paramref name="r"/> into <paramref name="dir"/>.</summary>
    void Apply(string dir, Resources r);

    void GetStats(string dir, CgroupStats stats);
}
