using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups.Devices;

namespace Quai.Runtime.Cgroups.V2;

/// <summary>v2 has no device files: generate an eBPF device program and attach it (replacing the previous one).</summary>
internal sealed class DevicesController : IController
{
    private readonly bool _appendDefaults;
    public DevicesController(bool appendDefaults) => _appendDefaults = appendDefaults;

    public string Name => "devices";
    public bool IsRequested(Resources r) => r.Devices is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        var program = DeviceFilter.Generate(DeviceRule.Effective(r.Devices, _appendDefaults));
        Bpf.ReplaceDeviceFilter(dir, program);
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
