using Quai.Engine.Containers;
using Quai.Network.Networks;

namespace Quai.Engine.Tests;

public class PortTextTests
{
    private static PortMapping M(int host, int ctr, string proto = "tcp", string ip = "") => new() { HostIp = ip, HostPort = host, ContainerPort = ctr, Protocol = proto };

    [Fact]
    public void Ps_column_is_dockers()
    {
        Assert.Equal("0.0.0.0:8080->80/tcp", PortText.Ps([M(8080, 80)], ["80/tcp"]));
        Assert.Equal("0.0.0.0:8000-8002->90-92/tcp", PortText.Ps([M(8000, 90), M(8001, 91), M(8002, 92)], []));
        Assert.Equal("127.0.0.1:53->53/udp, 443/tcp", PortText.Ps([M(53, 53, "udp", "127.0.0.1")], ["443/tcp", "53/udp"]));
        Assert.Equal("", PortText.Ps([], []));
    }

    [Fact]
    public void Wanted_ports_come_from_bindings_and_publish_all()
    {
        var c = new Container
        {
            Config = new RunConfig { ExposedPorts = new() { ["80/tcp"] = new(), ["53/udp"] = new() } },
            HostConfig = new HostConfig
            {
                PublishAllPorts = true,
                PortBindings = new() { ["80/tcp"] = [new PortBinding { HostPort = "8080" }], ["90/tcp"] = [new PortBinding { HostIp = "127.0.0.1", HostPort = "9000-9010" }] },
            },
        };
        var w = ContainerEngine.WantedPorts(c);
        Assert.Contains(w, p => p.ContainerPort == 80 && p.HostPort == 8080);
        Assert.Contains(w, p => p.ContainerPort == 90 && p.HostPort == -(9000 * 65536 + 9010) && p.HostIp == "127.0.0.1");
        Assert.Contains(w, p => p.ContainerPort == 53 && p.Protocol == "udp" && p.HostPort == 0);
        Assert.Equal(3, w.Count);
    }

    [Theory]
    [InlineData("02:42:ac:11:00:02", true)]
    [InlineData("02:42:ac:11:00", false)]
    [InlineData("zz:42:ac:11:00:02", false)]
    public void Mac_addresses_are_checked(string mac, bool ok) => Assert.Equal(ok, ContainerEngine.ValidMac(mac));
}
