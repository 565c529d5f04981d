using System.Net;
using Quai.Interop;
using Quai.Network.Netlink;
using Quai.Network.Netns;
using Quai.Network.Networks;

namespace Quai.Network.Drivers;

/// <summary>The bridge driver: one Linux bridge per network holding the gateway address; a
/// container joins through a veth pair whose peer is created directly inside the container's
/// namespace under its final name (eth0, eth1…), so no interface with a container's name ever
/// appears on the host.</summary>
public static class BridgeDriver
{
    /// <summary>Creates the bridge with its gateway addresses if it is missing (a new network, or after a
    /// reboot); true when it was created (the firewall must then be applied).</summary>
    public static bool EnsureBridge(Rtnl host, NetworkRecord n)
    {
        var name = n.Interface;
        if (host.Link(name) is { } existing)
        {
            if (!existing.Up) host.SetUp(name);
            return false;
        }
        host.AddLink(name, new LinkKind.Bridge(), mtu: Mtu(n));
        foreach (var c in n.IPAM.Config)
        {
            var s = Subnet.Parse(c.Subnet);
            if (c.Gateway.Length > 0) host.AddAddress(name, IPAddress.Parse(c.Gateway), s.Prefix);
        }
        host.SetUp(name);
        Sysctl.Write($"net/ipv4/conf/{name}/route_localnet", "1"); // published ports answer on 127.0.0.1 (DNAT from the output hook)
        Sysctl.Write("net/ipv4/ip_forward", "1");
        if (n.EnableIPv6) Sysctl.Write("net/ipv6/conf/all/forwarding", "1");
        return true;
    }

    public static int Mtu(NetworkRecord n) =>
        int.TryParse(n.Options.GetValueOrDefault("com.docker.network.driver.mtu"), out var m) && m > 0 ? m : 0;

    /// <summary>Adds the veth pair and configures the container's end: address, MAC, up, default route.</summary>
    public static void Attach(Rtnl host, NetworkRecord n, Endpoint e, string ifName, bool defaultRoute)
    {
        var bridge = host.Index(n.Interface) ?? throw new ErrnoException($"find bridge {n.Interface}", Errno.ENODEV);
        var nsfd = NetnsFile.Open(e.NetnsPath);
        try { host.AddLink(e.HostInterface, new LinkKind.Veth(ifName, nsfd, e.Mac), mtu: Mtu(n)); }
        finally { Libc.Close(nsfd); }
        host.SetMaster(e.HostInterface, bridge);
        host.SetUp(e.HostInterface);
        using var inside = NetnsFile.OpenNetlink(e.NetnsPath);
        Configure(inside, n, e, ifName, defaultRoute);
    }

    /// <summary>Addresses, link up and the default routes of a container interface (any driver).</summary>
    public static void Configure(Rtnl inside, NetworkRecord n, Endpoint e, string ifName, bool defaultRoute)
    {
        foreach (var c in n.IPAM.Config)
        {
            var s = Subnet.Parse(c.Subnet);
            var ip = s.IsV6 ? e.IPv6 : e.IPv4;
            if (ip.Length > 0) inside.AddAddress(ifName, IPAddress.Parse(ip), s.Prefix);
        }
        inside.SetUp(ifName);
        if (!defaultRoute || n.Internal) return;
        foreach (var c in n.IPAM.Config)
            if (c.Gateway.Length > 0)
                try { inside.AddRoute(null, IPAddress.Parse(c.Gateway), ifName); }
                catch (ErrnoException x) when (x.Code == Errno.EEXIST) { } // another network gave the default route
    }

    public static void Detach(Rtnl host, Endpoint e)
    {
        if (e.HostInterface.Length == 0) return;
        try { host.DeleteLink(e.HostInterface); }
        catch (ErrnoException x) when (x.Code is Errno.ENODEV) { } // gone with its namespace, or never made
    }

    /// <summary>The name of a container's host-side veth: "veth" and 7 hex digits derived from
    /// container and network, as Docker's names look (15 characters at most, IFNAMSIZ).</summary>
    public static string HostInterfaceName(string containerId, string networkId) =>
        "veth" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(containerId + networkId)))[..7];

    /// <summary>Docker's MAC derived from the IPv4 address: 02:42 then the four bytes.</summary>
    public static string MacFor(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return $"02:42:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}";
    }
}

/// <summary>/proc/sys/net of the caller's network namespace (the file is resolved in the namespace of
/// the thread that opens it).</summary>
public static class Sysctl
{
    public static void Write(string key, string value)
    {
        try { File.WriteAllText("/proc/sys/" + key, value); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new IOException($"write /proc/sys/{key}: {ex.Message}", ex); }
    }
}
