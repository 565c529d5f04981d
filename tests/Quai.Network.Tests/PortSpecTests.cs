using Quai.Network.Networks;
using Quai.Network.Ports;

namespace Quai.Network.Tests;

public class PortSpecTests
{
    private static string Show(List<PortMapping> l) => string.Join(",", l.Select(p => $"{p.HostIp}|{p.HostPort}|{p.ContainerPort}/{p.Protocol}"));

    [Theory]
    [InlineData("80", "|0|80/tcp")]
    [InlineData("8080:80", "|8080|80/tcp")]
    [InlineData("127.0.0.1:8080:80/udp", "127.0.0.1|8080|80/udp")]
    [InlineData("127.0.0.1::80", "127.0.0.1|0|80/tcp")]
    [InlineData("[::1]:8080:80", "::1|8080|80/tcp")]
    [InlineData("8000-8001:80-81/sctp", "|8000|80/sctp,|8001|81/sctp")]
    [InlineData("7000-7001", "|0|7000/tcp,|0|7001/tcp")]
    public void Parses(string spec, string expected) => Assert.Equal(expected, Show(PortSpec.Parse(spec)));

    [Theory]
    [InlineData("abc", "invalid containerPort: abc")]
    [InlineData("x:80", "invalid hostPort: x")]
    [InlineData("80/icmp", "invalid proto: icmp")]
    [InlineData("8000-8002:80-81", "invalid ranges specified for container and host Ports: 80-81 and 8000-8002")]
    [InlineData("1.2.3:80:80", "invalid IP address: 1.2.3")]
    [InlineData("70000", "invalid containerPort: 70000")]
    public void RefusesWithDockersMessage(string spec, string message) =>
        Assert.Equal(message, Assert.Throws<NetworkUsageException>(() => PortSpec.Parse(spec)).Message);

    [Fact]
    public void TakenHostPortIsRefused()
    {
        var taken = new List<PortMapping> { new() { HostPort = 18080, ContainerPort = 80 } };
        var e = Assert.Throws<NetworkConflictException>(() => HostPorts.Allocate([new PortMapping { HostPort = 18080, ContainerPort = 81 }], taken));
        Assert.Equal("Bind for 0.0.0.0:18080 failed: port is already allocated", e.Message);
        // another protocol is another port
        Assert.Single(HostPorts.Allocate([new PortMapping { HostPort = 18080, ContainerPort = 81, Protocol = "udp" }], taken));
    }

    [Fact]
    public void RandomHostPortsAreDistinctAndInDockersRange()
    {
        var got = HostPorts.Allocate([new PortMapping { ContainerPort = 80 }, new PortMapping { ContainerPort = 81 }], []);
        Assert.NotEqual(got[0].HostPort, got[1].HostPort);
        Assert.All(got, p => Assert.InRange(p.HostPort, HostPorts.EphemeralFirst, HostPorts.EphemeralLast));
    }
}
