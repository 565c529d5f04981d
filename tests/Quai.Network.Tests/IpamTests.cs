using System.Net;
using Quai.Network;
using Quai.Network.Ipam;

namespace Quai.Network.Tests;

public class IpamTests
{
    [Theory]
    [InlineData("172.20.1.5/16", "172.20.0.0/16")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("fd00:1::5/64", "fd00:1::/64")]
    public void SubnetsAreNormalised(string text, string expected) => Assert.Equal(expected, Subnet.Parse(text).ToString());

    [Theory]
    [InlineData("172.20.0.0")]
    [InlineData("172.20.0.0/33")]
    [InlineData("nonsense/8")]
    [InlineData("fd00::/129")]
    public void BadSubnetsAreRefused(string text) => Assert.False(Subnet.TryParse(text, out _));

    [Fact]
    public void OverlapAndContainment()
    {
        var a = Subnet.Parse("172.18.0.0/16");
        Assert.True(a.Overlaps(Subnet.Parse("172.18.5.0/24")));
        Assert.True(Subnet.Parse("172.0.0.0/8").Overlaps(a));
        Assert.False(a.Overlaps(Subnet.Parse("172.19.0.0/16")));
        Assert.False(a.Overlaps(Subnet.Parse("fd00::/8")));
        Assert.True(a.Contains(IPAddress.Parse("172.18.255.254")));
        Assert.False(a.Contains(IPAddress.Parse("172.19.0.1")));
        Assert.Equal("172.18.255.255", a.Broadcast.ToString());
        Assert.Equal("172.18.0.1", a.At(1).ToString());
    }

    [Fact]
    public void AllocatorSkipsNetworkGatewayBroadcastAndUsed()
    {
        var s = Subnet.Parse("10.9.0.0/29"); // .1 … .6 usable
        var gw = IPAddress.Parse("10.9.0.1");
        var used = new HashSet<IPAddress>();
        var got = new List<string>();
        while (AddressAllocator.Next(s, null, gw, used) is { } ip) { used.Add(ip); got.Add(ip.ToString()); }
        Assert.Equal(["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"], got);
    }

    [Fact]
    public void AllocatorHonoursIpRange()
    {
        var ip = AddressAllocator.Next(Subnet.Parse("10.9.0.0/16"), Subnet.Parse("10.9.5.0/24"), IPAddress.Parse("10.9.0.1"), new HashSet<IPAddress>());
        Assert.Equal("10.9.5.0", ip!.ToString());
    }

    [Fact]
    public void AllocatorStartsAfterTheLastOneHandedOut()
    {
        var s = Subnet.Parse("10.9.0.0/24");
        var ip = AddressAllocator.Next(s, null, IPAddress.Parse("10.9.0.1"), new HashSet<IPAddress>(), last: IPAddress.Parse("10.9.0.7"));
        Assert.Equal("10.9.0.8", ip!.ToString());
    }

    [Fact]
    public void StaticAddressChecks()
    {
        var s = Subnet.Parse("10.9.0.0/24");
        var gw = IPAddress.Parse("10.9.0.1");
        var used = new HashSet<IPAddress> { IPAddress.Parse("10.9.0.9") };
        Assert.Null(AddressAllocator.CheckStatic(s, IPAddress.Parse("10.9.0.10"), gw, used));
        Assert.Equal("Address already in use", AddressAllocator.CheckStatic(s, IPAddress.Parse("10.9.0.9"), gw, used));
        Assert.Equal("Address already in use", AddressAllocator.CheckStatic(s, gw, gw, used));
        Assert.Contains("no configured subnet", AddressAllocator.CheckStatic(s, IPAddress.Parse("10.10.0.9"), gw, used));
    }

    [Fact]
    public void DefaultPoolsSkipTakenAndRoutedSubnets()
    {
        Assert.Equal("172.17.0.0/16", DefaultPools.Pick([], [])!.ToString());
        Assert.Equal("172.18.0.0/16", DefaultPools.Pick([Subnet.Parse("172.17.0.0/16")], [])!.ToString());
        // a host route (e.g. a VPN's 172.18.4.0/24) makes its pool unavailable; the default route does not count
        Assert.Equal("172.19.0.0/16", DefaultPools.Pick([Subnet.Parse("172.17.0.0/16")], [Subnet.Parse("172.18.4.0/24"), Subnet.Parse("0.0.0.0/0")])!.ToString());
        Assert.Equal("192.168.0.0/20", DefaultPools.Pick([Subnet.Parse("172.16.0.0/12")], [])!.ToString());
    }
}
