using System.Net;
using Quai.Network;
using Quai.Network.Netlink;

namespace Quai.Network.Tests;

public class NetlinkEncodingTests
{
    [Fact]
    public void NewDummyLinkIsEncodedAsTheKernelExpects()
    {
        var b = Rtnl.NewLinkMessage("d0", new LinkKind.Dummy()).Encode(7);
        // nlmsghdr: len, RTM_NEWLINK, REQUEST|ACK|CREATE|EXCL, seq 7, port 0
        Assert.Equal(b.Length, BitConverter.ToInt32(b, 0));
        Assert.Equal(16, BitConverter.ToUInt16(b, 4));
        Assert.Equal(0x605, BitConverter.ToUInt16(b, 6));
        Assert.Equal(7u, BitConverter.ToUInt32(b, 8));
        // ifinfomsg (16 bytes of zeros), then IFLA_IFNAME "d0\0" padded to 8
        Assert.All(b[16..32], x => Assert.Equal(0, x));
        Assert.Equal(new byte[] { 7, 0, 3, 0, (byte)'d', (byte)'0', 0, 0 }, b[32..40]);
        // IFLA_LINKINFO (nested) holding IFLA_INFO_KIND "dummy\0"
        Assert.Equal(4 + 12, BitConverter.ToUInt16(b, 40));
        Assert.Equal(Nl.IFLA_LINKINFO | Nl.NLA_F_NESTED, BitConverter.ToUInt16(b, 42));
        Assert.Equal(10, BitConverter.ToUInt16(b, 44));
        Assert.Equal(Nl.IFLA_INFO_KIND, BitConverter.ToUInt16(b, 46));
        Assert.Equal("dummy\0"u8.ToArray(), b[48..54]);
        Assert.Equal(56, b.Length);
    }

    [Fact]
    public void VethPeerIsNestedWithItsOwnIfinfoAndNamespace()
    {
        var b = Rtnl.NewLinkMessage("vethabc", new LinkKind.Veth("eth0", PeerNetnsFd: 9)).Encode(1);
        var attrs = NetlinkReply.Attributes(b.AsSpan(32));
        var linkinfo = NetlinkReply.Attributes(attrs[Nl.IFLA_LINKINFO]);
        Assert.Equal("veth", NetlinkReply.AttrString(linkinfo[Nl.IFLA_INFO_KIND]));
        var peer = NetlinkReply.Attributes(linkinfo[Nl.IFLA_INFO_DATA])[Nl.VETH_INFO_PEER];
        var peerAttrs = NetlinkReply.Attributes(peer.AsSpan(16)); // after the peer's ifinfomsg
        Assert.Equal("eth0", NetlinkReply.AttrString(peerAttrs[Nl.IFLA_IFNAME]));
        Assert.Equal(9u, BitConverter.ToUInt32(peerAttrs[Nl.IFLA_NET_NS_FD]));
    }

    [Fact]
    public void AddressCarriesLocalAndBroadcast()
    {
        var b = Rtnl.AddressMessage(Nl.RTM_NEWADDR, 3, IPAddress.Parse("172.18.0.2"), 16).Encode(1);
        Assert.Equal(Nl.AF_INET, b[16]);
        Assert.Equal(16, b[17]);
        Assert.Equal(3, BitConverter.ToInt32(b, 20));
        var a = NetlinkReply.Attributes(b.AsSpan(24));
        Assert.Equal(new byte[] { 172, 18, 0, 2 }, a[Nl.IFA_LOCAL]);
        Assert.Equal(new byte[] { 172, 18, 255, 255 }, a[Nl.IFA_BROADCAST]);
    }

    [Fact]
    public void DefaultRouteHasNoDestination()
    {
        var b = Rtnl.RouteMessage(Nl.RTM_NEWROUTE, Subnet.Parse("0.0.0.0/0"), IPAddress.Parse("172.18.0.1"), 5).Encode(1);
        Assert.Equal(0, b[17]); // dst_len
        Assert.Equal(Nl.RT_TABLE_MAIN, b[20]);
        var a = NetlinkReply.Attributes(b.AsSpan(28));
        Assert.False(a.ContainsKey(Nl.RTA_DST));
        Assert.Equal(new byte[] { 172, 18, 0, 1 }, a[Nl.RTA_GATEWAY]);
        Assert.Equal(5u, BitConverter.ToUInt32(a[Nl.RTA_OIF]));
    }
}
