using Quai.Interop;
using Quai.Network.Netlink;
using Quai.Network.Netns;
using Quai.Network.Networks;

namespace Quai.Network.Drivers;

/// <summary>macvlan and ipvlan: the container's interface is a child of a parent host interface
/// (<c>-o parent=eth0</c>), created on the host and moved into the container's namespace under its
/// final name. Modes: macvlan_mode=bridge|private|vepa|passthru, ipvlan_mode=l2|l3|l3s.</summary>
public static class VlanDriver
{
    public static void Attach(Rtnl host, NetworkRecord n, Endpoint e, string ifName)
    {
        var parentName = n.Options.GetValueOrDefault("parent") ?? throw new NetworkUsageException($"network {n.Name} has no parent interface");
        var parent = host.Index(parentName) ?? throw new NetworkUsageException($"-o parent interface was not found on the host: {parentName}");
        LinkKind kind = n.Driver == "macvlan"
            ? new LinkKind.Macvlan(parent, MacvlanMode(n.Options.GetValueOrDefault("macvlan_mode")))
            : new LinkKind.Ipvlan(parent, IpvlanMode(n.Options.GetValueOrDefault("ipvlan_mode")));
        var nsfd = NetnsFile.Open(e.NetnsPath);
        try { host.AddLink(e.HostInterface, kind, mac: n.Driver == "macvlan" ? e.Mac : null, netnsFd: nsfd); }
        finally { Libc.Close(nsfd); }
        using var inside = NetnsFile.OpenNetlink(e.NetnsPath);
        if (e.HostInterface != ifName)
        {
            // created under its unique temporary name directly in the namespace, renamed there
            inside.Rename(e.HostInterface, ifName);
        }
        BridgeDriver.Configure(inside, n, e, ifName, defaultRoute: true);
    }

    public static uint MacvlanMode(string? m) => m switch
    {
        null or "" or "bridge" => Nl.MACVLAN_MODE_BRIDGE, "private" => Nl.MACVLAN_MODE_PRIVATE, "vepa" => Nl.MACVLAN_MODE_VEPA,
        "passthru" => Nl.MACVLAN_MODE_PASSTHRU, _ => throw new NetworkUsageException($"requested macvlan mode '{m}' is not valid, 'bridge' mode is the macvlan driver default"),
    };

    public static ushort IpvlanMode(string? m) => m switch
    {
        null or "" or "l2" => Nl.IPVLAN_MODE_L2, "l3" => Nl.IPVLAN_MODE_L3, "l3s" => Nl.IPVLAN_MODE_L3S,
        _ => throw new NetworkUsageException($"requested ipvlan mode '{m}' is not valid, 'l2' mode is the ipvlan driver default"),
    };
}
