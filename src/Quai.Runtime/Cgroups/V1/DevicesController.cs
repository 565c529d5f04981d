using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups.Devices;

namespace Quai.Runtime.Cgroups.V1;

/// <summary>
/// v1 devices: "a" to devices.deny, then each rule in order to devices.allow / devices.deny, followed by
/// the default allowed devices. When the cgroup is already deny-by-default (an update), only the
/// difference between devices.list and the target is written (allows first, then denies), so a running
/// container is never briefly cut off its devices and nested child cgroups don't make the update fail
/// (the kernel refuses a blanket "a" while children exist).
/// </summary>
internal sealed class DevicesController : IController
{
    private readonly bool _appendDefaults;
    public DevicesController(bool appendDefaults) => _appendDefaults = appendDefaults;

    public string Name => "devices";
    public bool IsRequested(Resources r) => r.Devices is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        var rules = DeviceRule.Effective(r.Devices, _appendDefaults);
        var target = DeviceEmulator.FromRules(rules);
        var list = CgroupFile.TryRead(dir, "devices.list");
        var current = list == null ? null : DeviceEmulator.FromDevicesList(list);
        if (current != null && !current.DefaultAllow && !target.DefaultAllow && list!.Trim() != "a *:* rwm")
        {
            foreach (var rule in current.TransitionTo(target))
                CgroupFile.Write(dir, rule.Allow ? "devices.allow" : "devices.deny", rule.ToV1String());
            return;
        }
        foreach (var rule in ExpandForV1(rules))
            CgroupFile.Write(dir, rule.Allow ? "devices.allow" : "devices.deny", rule.ToV1String());
    }

    /// <summary>The kernel treats any entry starting with "a" as blanket, so split partial "a" rules into c and b.</summary>
    internal static IEnumerable<DeviceRule> ExpandForV1(IEnumerable<DeviceRule> rules)
    {
        foreach (var r in rules)
        {
            if (r.Type == 'a' && !r.IsBlanket)
            {
                yield return r with { Type = 'c' };
                yield return r with { Type = 'b' };
            }
            else yield return r;
        }
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
