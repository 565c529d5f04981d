using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Quai.Network.Netlink;

/// <summary>Links, addresses and routes of one network namespace (the one its socket was opened in),
/// over rtnetlink: what `ip link`, `ip addr` and `ip route` do, without exec'ing them.</summary>
public sealed class Rtnl : IDisposable
{
    private readonly NetlinkSocket _sock;

    public Rtnl() : this(new NetlinkSocket()) { }
    public Rtnl(NetlinkSocket sock) => _sock = sock;
    public void Dispose() => _sock.Dispose();

    private const ushort Create = Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL;
    private const ushort Change = Nl.NLM_F_REQUEST | Nl.NLM_F_ACK;

    // ------------------------------------------------------------- links

    public static NetlinkMessage NewLinkMessage(string name, LinkKind kind, int mtu = 0, string? mac = null, int netnsFd = -1)
    {
        var m = new NetlinkMessage(Nl.RTM_NEWLINK, Create).IfInfo().Attr(Nl.IFLA_IFNAME, name);
        if (mtu > 0) m.AttrU32(Nl.IFLA_MTU, (uint)mtu);
        if (mac is not null) m.Attr(Nl.IFLA_ADDRESS, ParseMac(mac));
        if (netnsFd >= 0) m.AttrU32(Nl.IFLA_NET_NS_FD, (uint)netnsFd);
        if (kind is LinkKind.Macvlan pm) m.AttrU32(Nl.IFLA_LINK, (uint)pm.ParentIndex);
        if (kind is LinkKind.Ipvlan pi) m.AttrU32(Nl.IFLA_LINK, (uint)pi.ParentIndex);
        m.BeginNest(Nl.IFLA_LINKINFO).Attr(Nl.IFLA_INFO_KIND, kind.Kind);
        switch (kind)
        {
            case LinkKind.Veth v:
                m.BeginNest(Nl.IFLA_INFO_DATA).BeginNest(Nl.VETH_INFO_PEER).IfInfo().Attr(Nl.IFLA_IFNAME, v.PeerName);
                if (mtu > 0) m.AttrU32(Nl.IFLA_MTU, (uint)mtu);
                if (v.PeerMac is not null) m.Attr(Nl.IFLA_ADDRESS, ParseMac(v.PeerMac));
                if (v.PeerNetnsFd >= 0) m.AttrU32(Nl.IFLA_NET_NS_FD, (uint)v.PeerNetnsFd);
                m.EndNest().EndNest();
                break;
            case LinkKind.Macvlan mv:
                m.BeginNest(Nl.IFLA_INFO_DATA).AttrU32(Nl.IFLA_MACVLAN_MODE, mv.Mode).EndNest();
                break;
            case LinkKind.Ipvlan iv:
                m.BeginNest(Nl.IFLA_INFO_DATA).AttrU16(Nl.IFLA_IPVLAN_MODE, iv.Mode).EndNest();
                break;
        }
        return m.EndNest();
    }

    /// <summary>Creates a link (EEXIST if the name is taken).</summary>
    public void AddLink(string name, LinkKind kind, int mtu = 0, string? mac = null, int netnsFd = -1) =>
        _sock.Request(NewLinkMessage(name, kind, mtu, mac, netnsFd), $"create {kind.Kind} link {name}");

    public void DeleteLink(string name) =>
        _sock.Request(new NetlinkMessage(Nl.RTM_DELLINK, Change).IfInfo().Attr(Nl.IFLA_IFNAME, name), $"delete link {name}");

    public void SetUp(string name, bool up = true) =>
        _sock.Request(new NetlinkMessage(Nl.RTM_NEWLINK, Change).IfInfo(0, up ? Nl.IFF_UP : 0, Nl.IFF_UP).Attr(Nl.IFLA_IFNAME, name), $"set link {name} {(up ? "up" : "down")}");

    public void Rename(string name, string newName)
    {
        var idx = Index(name) ?? throw new Quai.Interop.ErrnoException($"rename link {name}", Quai.Interop.Errno.ENODEV);
        _sock.Request(new NetlinkMessage(Nl.RTM_NEWLINK, Change).IfInfo(idx).Attr(Nl.IFLA_IFNAME, newName), $"rename link {name} to {newName}");
    }

    public void SetMtu(string name, int mtu) =>
        _sock.Request(new NetlinkMessage(Nl.RTM_NEWLINK, Change).IfInfo().Attr(Nl.IFLA_IFNAME, name).AttrU32(Nl.IFLA_MTU, (uint)mtu), $"set link {name} mtu {mtu}");

    public void SetMac(string name, string mac) =>
        _sock.Request(new NetlinkMessage(Nl.RTM_NEWLINK, Change).IfInfo().Attr(Nl.IFLA_IFNAME, name).Attr(Nl.IFLA_ADDRESS, ParseMac(mac)), $"set link {name} address {mac}");

    /// <summary>Makes <paramref name="name"/> a port of <paramref name="master"/> (0: none).</summary>
    public void SetMaster(string name, int masterIndex) =>
        _sock.Request(new NetlinkMessage(Nl.RTM_NEWLINK, Change).IfInfo().Attr(Nl.IFLA_IFNAME, name).AttrU32(Nl.IFLA_MASTER, (uint)masterIndex), $"set link {name} master {masterIndex}");

    /// <summary>Moves a link into the namespace of <paramref name="netnsFd"/>, renamed to <paramref name="newName"/> if given.</summary>
    public void MoveToNetns(string name, int netnsFd, string? newName = null)
    {
        var idx = Index(name) ?? throw new Quai.Interop.ErrnoException($"move link {name} to a network namespace", Quai.Interop.Errno.ENODEV);
        var m = new NetlinkMessage(Nl.RTM_NEWLINK, Change).IfInfo(idx).AttrU32(Nl.IFLA_NET_NS_FD, (uint)netnsFd);
        if (newName is not null) m.Attr(Nl.IFLA_IFNAME, newName);
        _sock.Request(m, $"move link {name} to a network namespace");
    }

    public List<LinkInfo> Links()
    {
        var list = new List<LinkInfo>();
        foreach (var r in _sock.Dump(new NetlinkMessage(Nl.RTM_GETLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP).IfInfo(), "list links"))
        {
            if (r.Type != Nl.RTM_NEWLINK || r.Payload.Length < 16) continue;
            list.Add(ParseLink(r.Payload));
        }
        return list;
    }

    public LinkInfo? Link(string name)
    {
        try
        {
            var rs = _sock.Dump(new NetlinkMessage(Nl.RTM_GETLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK).IfInfo().Attr(Nl.IFLA_IFNAME, name), $"get link {name}");
            return rs.Where(r => r.Type == Nl.RTM_NEWLINK).Select(r => ParseLink(r.Payload)).FirstOrDefault();
        }
        catch (Quai.Interop.ErrnoException e) when (e.Code == Quai.Interop.Errno.ENODEV) { return null; }
    }

    public int? Index(string name) => Link(name)?.Index;

    private static LinkInfo ParseLink(byte[] p)
    {
        var index = BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(4));
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(8));
        var a = NetlinkReply.Attributes(p.AsSpan(16));
        string? kind = null;
        if (a.TryGetValue(Nl.IFLA_LINKINFO, out var li) && NetlinkReply.Attributes(li).TryGetValue(Nl.IFLA_INFO_KIND, out var k))
            kind = NetlinkReply.AttrString(k);
        return new LinkInfo(index, a.TryGetValue(Nl.IFLA_IFNAME, out var n) ? NetlinkReply.AttrString(n) : "", flags,
            a.TryGetValue(Nl.IFLA_MTU, out var mtu) ? BinaryPrimitives.ReadInt32LittleEndian(mtu) : 0,
            a.TryGetValue(Nl.IFLA_MASTER, out var ms) ? BinaryPrimitives.ReadInt32LittleEndian(ms) : 0, kind,
            a.TryGetValue(Nl.IFLA_ADDRESS, out var mac) ? mac : null);
    }

    public static byte[] ParseMac(string mac)
    {
        var parts = mac.Split(':');
        if (parts.Length != 6 || parts.Any(x => x.Length != 2)) throw new FormatException($"invalid MAC address: {mac}");
        return parts.Select(x => Convert.ToByte(x, 16)).ToArray();
    }

    // ------------------------------------------------------------- addresses

    public static NetlinkMessage AddressMessage(ushort type, int index, IPAddress address, int prefix)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var m = new NetlinkMessage(type, type == Nl.RTM_NEWADDR ? Create : Change)
            .IfAddr(v6 ? Nl.AF_INET6 : Nl.AF_INET, (byte)prefix, index, v6 ? Nl.IFA_F_NODAD : (byte)0);
        var bytes = address.GetAddressBytes();
        m.Attr(Nl.IFA_LOCAL, bytes).Attr(Nl.IFA_ADDRESS, bytes);
        if (!v6 && prefix < 31) m.Attr(Nl.IFA_BROADCAST, Subnet.Parse($"{address}/{prefix}").Broadcast.GetAddressBytes());
        return m;
    }

    public void AddAddress(string link, IPAddress address, int prefix)
    {
        var idx = Index(link) ?? throw new Quai.Interop.ErrnoException($"add address {address}/{prefix} to {link}", Quai.Interop.Errno.ENODEV);
        _sock.Request(AddressMessage(Nl.RTM_NEWADDR, idx, address, prefix), $"add address {address}/{prefix} to {link}");
    }

    public void DeleteAddress(string link, IPAddress address, int prefix)
    {
        var idx = Index(link) ?? throw new Quai.Interop.ErrnoException($"delete address {address}/{prefix} from {link}", Quai.Interop.Errno.ENODEV);
        _sock.Request(AddressMessage(Nl.RTM_DELADDR, idx, address, prefix), $"delete address {address}/{prefix} from {link}");
    }

    /// <summary>Every address of the namespace: (link index, address, prefix).</summary>
    public List<(int Index, IPAddress Address, int Prefix)> Addresses()
    {
        var list = new List<(int, IPAddress, int)>();
        foreach (var r in _sock.Dump(new NetlinkMessage(Nl.RTM_GETADDR, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP).IfAddr(Nl.AF_UNSPEC, 0, 0), "list addresses"))
        {
            if (r.Type != Nl.RTM_NEWADDR || r.Payload.Length < 8) continue;
            var a = NetlinkReply.Attributes(r.Payload.AsSpan(8));
            var addr = a.TryGetValue(Nl.IFA_LOCAL, out var l) ? l : a.GetValueOrDefault(Nl.IFA_ADDRESS);
            if (addr is null) continue;
            list.Add((BinaryPrimitives.ReadInt32LittleEndian(r.Payload.AsSpan(4)), new IPAddress(addr), r.Payload[1]));
        }
        return list;
    }

    // ------------------------------------------------------------- routes

    public static NetlinkMessage RouteMessage(ushort type, Subnet? destination, IPAddress? gateway, int oifIndex)
    {
        var v6 = (destination?.Address ?? gateway)!.AddressFamily == AddressFamily.InterNetworkV6;
        var scope = gateway is null ? Nl.RT_SCOPE_LINK : Nl.RT_SCOPE_UNIVERSE;
        var m = new NetlinkMessage(type, type == Nl.RTM_NEWROUTE ? Create : Change)
            .RtMsg(v6 ? Nl.AF_INET6 : Nl.AF_INET, (byte)(destination?.Prefix ?? 0), Nl.RT_TABLE_MAIN, Nl.RTPROT_STATIC, scope, Nl.RTN_UNICAST);
        if (destination is { Prefix: > 0 } d) m.Attr(Nl.RTA_DST, d.Address.GetAddressBytes());
        if (gateway is not null) m.Attr(Nl.RTA_GATEWAY, gateway.GetAddressBytes());
        if (oifIndex > 0) m.AttrU32(Nl.RTA_OIF, (uint)oifIndex);
        return m;
    }

    /// <summary>Adds a route: <paramref name="destination"/> null is the default route.</summary>
    public void AddRoute(Subnet? destination, IPAddress? gateway, string? link)
    {
        var idx = link is null ? 0 : Index(link) ?? throw new Quai.Interop.ErrnoException($"add route via {link}", Quai.Interop.Errno.ENODEV);
        var dst = destination ?? Subnet.Parse(gateway!.AddressFamily == AddressFamily.InterNetworkV6 ? "::/0" : "0.0.0.0/0");
        _sock.Request(RouteMessage(Nl.RTM_NEWROUTE, dst, gateway, idx), $"add route {dst}{(gateway is null ? "" : " via " + gateway)}");
    }

    /// <summary>Destinations of the main table's routes (IPv4 and IPv6).</summary>
    public List<Subnet> Routes()
    {
        var list = new List<Subnet>();
        foreach (var r in _sock.Dump(new NetlinkMessage(Nl.RTM_GETROUTE, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP).RtMsg(Nl.AF_UNSPEC, 0, 0, 0, 0, 0), "list routes"))
        {
            if (r.Type != 24 || r.Payload.Length < 12 || r.Payload[4] != Nl.RT_TABLE_MAIN) continue;
            var a = NetlinkReply.Attributes(r.Payload.AsSpan(12));
            var family = r.Payload[0];
            var dst = a.TryGetValue(Nl.RTA_DST, out var d) ? new IPAddress(d) : family == Nl.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any;
            list.Add(new Subnet(dst, r.Payload[1]));
        }
        return list;
    }
}
