using Quai.Network.Netlink;
using Quai.Network.Networks;

namespace Quai.Network.IntegrationTests;

/// <summary>The library against the real kernel, inside a namespace of the test's own: bridges, veths,
/// addresses, routes and nftables rules, then real traffic between the namespaces it made.</summary>
public sealed class BridgeNetworkTests : IDisposable
{
    private readonly TestNetns _ns = new();
    private NetworkManager Manager => new(Path.Combine(_ns.Dir, "store"));

    public void Dispose() => _ns.Dispose();

    private static string Id() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void ContainersOnABridgeReachEachOtherAndLeaveNothingBehind()
    {
        var m = Manager;
        var (a, b) = (Id(), Id());
        var (ea, eb) = _ns.In(() =>
        {
            var net = m.Create(new CreateRequest { Name = "n1", Subnets = ["10.77.0.0/24"] });
            Assert.Equal("10.77.0.1", net.IPAM.Config[0].Gateway);
            return (m.Connect("n1", new ConnectRequest { ContainerId = a, ContainerName = "a" }),
                    m.Connect("n1", new ConnectRequest { ContainerId = b, ContainerName = "b", IPv4 = "10.77.0.50" }));
        });
        Assert.Equal("10.77.0.2", ea.IPv4);
        Assert.Equal("10.77.0.50", eb.IPv4);
        Assert.Equal("02:42:0a:4d:00:02", ea.Mac);
        var (code, o) = TestNetns.InNs(ea.NetnsPath, "busybox", "ping", "-c1", "-W2", "10.77.0.50");
        Assert.True(code == 0, o);
        var (rcode, routes) = TestNetns.InNs(ea.NetnsPath, "ip", "route");
        Assert.Contains("default via 10.77.0.1 dev eth0", routes);
        Assert.Contains("ip saddr 10.77.0.0/24", TestNetns.Sh("nsenter", "--net=" + _ns.Path, "nft", "list", "table", "ip", "quai"));

        // the same address is not handed out twice
        Assert.Throws<NetworkConflictException>(() => _ns.In(() => m.Connect("n1", new ConnectRequest { ContainerId = Id(), ContainerName = "c", IPv4 = "10.77.0.50" })));
        // a network in use is not removed
        var busy = Assert.Throws<NetworkConflictException>(() => _ns.In(() => m.Remove("n1")));
        Assert.StartsWith("error while removing network: network n1 has active endpoints", busy.Message);

        _ns.In(() => { m.Disconnect(a); m.Disconnect(b); m.Remove("n1"); });
        Assert.False(File.Exists(ea.NetnsPath));
        var links = _ns.In(() => { using var rt = new Rtnl(); return rt.Links().Select(l => l.Name).ToList(); });
        Assert.Equal(["lo"], links);
        Assert.DoesNotContain("10.77.0.0", TestNetns.Sh("nsenter", "--net=" + _ns.Path, "nft", "list", "ruleset"));
    }

    [Fact]
    public void NetworksAreIsolatedAndInternalHasNoWayOut()
    {
        var m = Manager;
        var (a, b, c) = (Id(), Id(), Id());
        var (ea, eb, ec) = _ns.In(() =>
        {
            m.Create(new CreateRequest { Name = "one", Subnets = ["10.78.1.0/24"] });
            m.Create(new CreateRequest { Name = "two", Subnets = ["10.78.2.0/24"] });
            m.Create(new CreateRequest { Name = "int", Subnets = ["10.78.3.0/24"], Internal = true });
            return (m.Connect("one", new ConnectRequest { ContainerId = a, ContainerName = "a" }),
                    m.Connect("two", new ConnectRequest { ContainerId = b, ContainerName = "b" }),
                    m.Connect("int", new ConnectRequest { ContainerId = c, ContainerName = "c" }));
        });
        try
        {
            // the gateway of its own network answers; a container on another network does not
            Assert.Equal(0, TestNetns.InNs(ea.NetnsPath, "busybox", "ping", "-c1", "-W2", "10.78.1.1").Code);
            Assert.NotEqual(0, TestNetns.InNs(ea.NetnsPath, "busybox", "ping", "-c1", "-W1", eb.IPv4).Code);
            // internal: no default route, and nothing forwarded out of its bridge
            Assert.DoesNotContain("default", TestNetns.InNs(ec.NetnsPath, "ip", "route").Out);
            Assert.NotEqual(0, TestNetns.InNs(ec.NetnsPath, "busybox", "ping", "-c1", "-W1", ea.IPv4).Code);
            var overlap = Assert.Throws<NetworkConflictException>(() => _ns.In(() => m.Create(new CreateRequest { Name = "three", Subnets = ["10.78.0.0/16"] })));
            Assert.Equal("invalid pool request: Pool overlaps with other one on this address space", overlap.Message);
            Assert.Equal("plugin \"nope\" not found", Assert.Throws<NetworkNotFoundException>(() => _ns.In(() => m.Create(new CreateRequest { Name = "x", Driver = "nope" }))).Message);
        }
        finally
        {
            _ns.In(() => { m.Disconnect(a); m.Disconnect(b); m.Disconnect(c); });
        }
    }

    /// <summary>The parent: a dummy interface where the kernel has them, else one end of a veth pair
    /// (this kernel is built without CONFIG_DUMMY); both live only in the test's namespace.</summary>
    private void MakeParent() => _ns.In(() =>
    {
        using var rt = new Rtnl();
        try { rt.AddLink("parent0", new LinkKind.Dummy()); }
        catch (Quai.Interop.ErrnoException e) when (e.Code == 95) { rt.AddLink("parent0", new LinkKind.Veth("parent1")); rt.SetUp("parent1"); }
        rt.SetUp("parent0");
    });

    [Fact]
    public void MacvlanContainersGetAddressesOnTheParent()
    {
        MakeParent();
        var m = Manager;
        var (a, b) = (Id(), Id());
        var (ea, eb) = _ns.In(() =>
        {
            m.Create(new CreateRequest { Name = "mv", Driver = "macvlan", Subnets = ["10.79.1.0/24"], Options = new() { ["parent"] = "parent0" } });
            return (m.Connect("mv", new ConnectRequest { ContainerId = a, ContainerName = "a" }), m.Connect("mv", new ConnectRequest { ContainerId = b, ContainerName = "b" }));
        });
        try
        {
            var mv = TestNetns.InNs(ea.NetnsPath, "ip", "-d", "addr", "show", "eth0").Out;
            Assert.Contains("macvlan mode bridge", mv);
            Assert.Contains("inet 10.79.1.2/24", mv);
            // two macvlan children of one parent in bridge mode talk to each other
            var (code, o) = TestNetns.InNs(ea.NetnsPath, "busybox", "ping", "-c1", "-W2", eb.IPv4);
            Assert.True(code == 0, o);
        }
        finally { _ns.In(() => { m.Disconnect(a); m.Disconnect(b); }); }
        Assert.False(File.Exists(ea.NetnsPath));
        var left = _ns.In(() => { using var rt = new Rtnl(); return rt.Links().Select(l => l.Name).ToList(); });
        Assert.All(left, n => Assert.Contains(n, new[] { "lo", "parent0", "parent1" }));
    }

    [Fact]
    public void IpvlanContainerGetsAnAddressOrTheKernelsRefusalIsNamed()
    {
        MakeParent();
        var m = Manager;
        var a = Id();
        _ns.In(() => m.Create(new CreateRequest { Name = "iv", Driver = "ipvlan", Subnets = ["10.79.2.0/24"], Options = new() { ["parent"] = "parent0", ["ipvlan_mode"] = "l2" } }));
        try
        {
            var e = _ns.In(() => m.Connect("iv", new ConnectRequest { ContainerId = a, ContainerName = "a" }));
            var iv = TestNetns.InNs(e.NetnsPath, "ip", "-d", "addr", "show", "eth0").Out;
            Assert.Contains("ipvlan", iv);
            Assert.Contains("inet 10.79.2.2/24", iv);
        }
        catch (Quai.Interop.ErrnoException e) when (e.Code == 95)
        {
            // a kernel without CONFIG_IPVLAN (this CI's): the error names the operation, and nothing is left
            Assert.StartsWith("create ipvlan link", e.Message);
            Assert.Empty(m.Store.EndpointsOf(a));
            Assert.False(File.Exists(m.NetnsPath(a)));
        }
        finally { _ns.In(() => m.Disconnect(a)); }
    }
}
