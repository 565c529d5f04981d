using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Quai.Engine.IntegrationTests;

/// <summary>Two network namespaces of the tests' own, linked by a veth pair made inside them: "host" (where quai
/// runs, through nsenter, and makes its bridges, veths and nft tables) and "world" (another machine on the
/// host's link, 10.231.N.2). Nothing is made in the real host's namespace; Dispose removes the containers
/// (their interfaces go with them), the store, and both namespaces (whatever a failed test left inside).</summary>
public sealed class NetnsQuai : IDisposable
{
    public string HostNs { get; } = "qit-" + Guid.NewGuid().ToString("N")[..8];
    public string WorldNs { get; } = "qiw-" + Guid.NewGuid().ToString("N")[..8];
    public string HostPath => "/run/netns/" + HostNs;
    public string WorldPath => "/run/netns/" + WorldNs;
    public string HostAddress { get; }
    public string WorldAddress { get; }
    public QuaiHost Q { get; }

    public NetnsQuai()
    {
        var n = Random.Shared.Next(1, 250);
        HostAddress = $"10.231.{n}.1";
        WorldAddress = $"10.231.{n}.2";
        try
        {
            Sh("ip", "netns", "add", HostNs);
            Sh("ip", "netns", "add", WorldNs);
            Sh("ip", "-n", HostNs, "link", "set", "lo", "up");
            Sh("ip", "-n", WorldNs, "link", "set", "lo", "up");
            Sh("ip", "-n", HostNs, "link", "add", "up0", "type", "veth", "peer", "name", "w0", "netns", WorldNs);
            Sh("ip", "-n", HostNs, "addr", "add", HostAddress + "/24", "dev", "up0");
            Sh("ip", "-n", WorldNs, "addr", "add", WorldAddress + "/24", "dev", "w0");
            Sh("ip", "-n", HostNs, "link", "set", "up0", "up");
            Sh("ip", "-n", WorldNs, "link", "set", "w0", "up");
            // the parent of macvlan/ipvlan networks: a dummy interface where the kernel has the module, else one end of a veth pair
            if (Run("ip", "-n", HostNs, "link", "add", "dummy0", "type", "dummy").Code != 0)
                Sh("ip", "-n", HostNs, "link", "add", "dummy0", "type", "veth", "peer", "name", "dummy0p");
            Sh("ip", "-n", HostNs, "link", "set", "dummy0", "up");
            Q = new QuaiHost { Prefix = ["nsenter", "--net=" + HostPath] };
        }
        catch
        {
            DeleteNamespaces();
            throw;
        }
    }

    public static (int Code, string Out) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(true); throw new TimeoutException(string.Join(' ', args)); }
        p.WaitForExit();
        return (p.ExitCode, o.Result + e.Result);
    }

    public static string Sh(params string[] args)
    {
        var (code, o) = Run(args);
        if (code != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: exit {code}: {o}");
        return o;
    }

    /// <summary>A command in quai's host namespace.</summary>
    public (int Code, string Out) InHost(params string[] args) => Run(["nsenter", "--net=" + HostPath, .. args]);
    /// <summary>A command on the other machine.</summary>
    public (int Code, string Out) InWorld(params string[] args) => Run(["nsenter", "--net=" + WorldPath, .. args]);

    /// <summary>An HTTP GET with busybox wget (under busybox timeout: busybox 1.35's wget -T segfaults on timeout).</summary>
    public static string[] Get(string url) => ["busybox", "timeout", "5", "busybox", "wget", "-q", "-O", "-", url];

    private void DeleteNamespaces()
    {
        Run("ip", "netns", "del", HostNs);
        Run("ip", "netns", "del", WorldNs);
    }

    public void Dispose()
    {
        try { Q?.Dispose(); }
        finally { DeleteNamespaces(); }
    }
}

public sealed class NetworkingTests(NetnsQuai f) : IClassFixture<NetnsQuai>
{
    private QuaiHost Q => f.Q;

    private string Net(params string[] args)
    {
        var name = QuaiHost.Unique("qn");
        Q.Ok(["network", "create", .. args, name]);
        return name;
    }

    private void RemoveAll(params string[] names)
    {
        foreach (var c in names) Q.Run("rm", "-f", c);
    }

    private string Detached(string name, params string[] args) => Q.Ok(["run", "-d", "--name", name, .. args]);

    private const string Httpd = "echo hello-from-httpd > /tmp/index.html && exec busybox httpd -f -p 80 -h /tmp";

    private string Ip(string ctr, string network) => Q.Inspect(ctr, $"{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}");

    // ------------------------------------------------------------------ network commands

    [Fact]
    public void Network_create_ls_inspect_rm()
    {
        var name = Net("--subnet", "10.61.0.0/24", "--gateway", "10.61.0.254", "--label", "team=a", "-o", "com.docker.network.bridge.name=qbr" + Guid.NewGuid().ToString("N")[..6]);
        try
        {
            var ls = Q.Ok("network", "ls");
            Assert.StartsWith("NETWORK ID     NAME", ls);
            Assert.Contains(name, ls);
            Assert.Contains("bridge", ls);
            Assert.Contains("host", ls);
            Assert.Contains("none", ls);
            Assert.Equal(name, Q.Ok("network", "ls", "--filter", "name=" + name, "--format", "{{.Name}}"));
            Assert.Equal("10.61.0.0/24 10.61.0.254", Q.Ok("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}", name));
            Assert.Equal("a", Q.Ok("network", "inspect", "-f", "{{index .Labels \"team\"}}", name));
            Assert.Contains("\"Driver\": \"bridge\"", Q.Ok("network", "inspect", name));
            var q = Q.Ok("network", "ls", "-q", "--filter", "driver=null");
            Assert.Single(q.Split('\n'));
            Assert.Equal(12, q.Length);
            Assert.Contains("\"Name\":\"" + name + "\"", Q.Ok("network", "ls", "--filter", "name=" + name, "--format", "json"));
        }
        finally { Q.Ok("network", "rm", name); }
        var gone = Q.Run("network", "inspect", name);
        Assert.Equal(1, gone.Code);
        Assert.Contains($"Error response from daemon: network {name} not found", gone.Err);
        Assert.DoesNotContain(name, Q.Ok("network", "ls"));
    }

    [Fact]
    public void Bad_network_input_gives_dockers_messages_and_changes_nothing()
    {
        var a = Net("--subnet", "10.62.0.0/16");
        var ctr = QuaiHost.Unique("c");
        try
        {
            var before = Q.Ok("network", "ls", "-q");
            var overlap = Q.Run("network", "create", "--subnet", "10.62.5.0/24", QuaiHost.Unique("qn"));
            Assert.Equal(1, overlap.Code);
            Assert.Contains("Error response from daemon: invalid pool request: Pool overlaps with other one on this address space", overlap.Err);
            var driver = Q.Run("network", "create", "-d", "nosuch", QuaiHost.Unique("qn"));
            Assert.Equal(1, driver.Code);
            Assert.Contains("Error response from daemon: plugin \"nosuch\" not found", driver.Err);
            var dup = Q.Run("network", "create", a);
            Assert.Equal(1, dup.Code);
            Assert.Contains($"network with name {a} already exists", dup.Err);
            Assert.Equal(before, Q.Ok("network", "ls", "-q"));

            var unknown = Q.Run("run", "--rm", "--network", "nosuch", "bb", "true");
            Assert.Equal(125, unknown.Code);
            Assert.Contains("network nosuch not found", unknown.Err);
            var bad = Q.Run("run", "--rm", "--name", ctr, "-p", "abc:80", "bb", "true");
            Assert.Equal(125, bad.Code);
            Assert.Contains("invalid hostPort: abc", bad.Err);
            Assert.NotEqual(0, Q.Run("inspect", ctr).Code);

            Detached(ctr, "--network", a, "bb", "sleep", "60");
            var inUse = Q.Run("network", "rm", a);
            Assert.Equal(1, inUse.Code);
            Assert.Contains($"Error response from daemon: error while removing network: network {a} has active endpoints", inUse.Err);
            Assert.Contains(a, Q.Ok("network", "ls"));
            Assert.NotEqual("", Ip(ctr, a));
        }
        finally
        {
            RemoveAll(ctr);
            Q.Run("network", "rm", a);
        }
    }

    // ------------------------------------------------------------------ reachability

    [Fact]
    public void Containers_on_one_network_reach_each_other_other_networks_do_not()
    {
        var a = Net();
        var b = Net();
        string c1 = QuaiHost.Unique("c1"), c2 = QuaiHost.Unique("c2"), c3 = QuaiHost.Unique("c3");
        try
        {
            Detached(c1, "--network", a, "bb", "sleep", "60");
            Detached(c2, "--network", a, "bb", "sleep", "60");
            Detached(c3, "--network", b, "bb", "sleep", "60");
            var ip2 = Ip(c2, a);
            var ip3 = Ip(c3, b);
            Assert.Equal(0, Q.Run("exec", c1, "busybox", "ping", "-c", "1", "-W", "2", ip2).Code);
            Assert.NotEqual(0, Q.Run("exec", c1, "busybox", "ping", "-c", "1", "-W", "2", ip3).Code);
            Assert.NotEqual(0, Q.Run("exec", c3, "busybox", "ping", "-c", "1", "-W", "2", ip2).Code);
            // the way out: the other machine answers (masquerade through the host)
            Assert.Equal(0, Q.Run("exec", c1, "busybox", "ping", "-c", "1", "-W", "2", f.WorldAddress).Code);
        }
        finally
        {
            RemoveAll(c1, c2, c3);
            Q.Run("network", "rm", a, b);
        }
    }

    [Fact]
    public void Containers_find_each_other_by_name_alias_and_short_id_also_when_started_later()
    {
        var n = Net();
        string a = QuaiHost.Unique("a"), b = QuaiHost.Unique("b"), late = QuaiHost.Unique("late");
        try
        {
            Detached(a, "--network", n, "--network-alias", "db", "bb", "sleep", "60");
            Detached(b, "--network", n, "bb", "sleep", "60");
            var ipA = Ip(a, n);
            Assert.Contains("nameserver 127.0.0.11", Q.Ok("exec", b, "cat", "/etc/resolv.conf"));
            foreach (var name in new[] { a, "db", Q.Inspect(a, "{{.Id}}")[..12], $"{a}.{n}" })
            {
                var r = Q.Run("exec", b, "busybox", "nslookup", name);
                Assert.True(r.Out.Contains(ipA), $"{name}: {r}");
            }
            Assert.Equal(0, Q.Run("exec", b, "busybox", "ping", "-c", "1", "-W", "2", "db").Code);
            // a container started later is found by those already running
            Detached(late, "--network", n, "bb", "sleep", "60");
            Assert.Contains(Ip(late, n), Q.Run("exec", a, "busybox", "nslookup", late).Out);
            // one that is gone is not
            Q.Ok("rm", "-f", late);
            Assert.DoesNotContain("Address: 1", Q.Run("exec", a, "busybox", "nslookup", late).Out.Split("Name:").Skip(1).FirstOrDefault() ?? "");
            // the default bridge has no embedded DNS (as Docker)
            Assert.DoesNotContain("127.0.0.11", Q.Ok("run", "--rm", "--network", "bridge", "bb", "cat", "/etc/resolv.conf"));
        }
        finally
        {
            RemoveAll(a, b, late);
            Q.Run("network", "rm", n);
        }
    }

    [Fact]
    public void Internal_network_has_no_way_out()
    {
        var n = Net("--internal");
        var c = QuaiHost.Unique("c");
        var peer = QuaiHost.Unique("p");
        try
        {
            Detached(c, "--network", n, "bb", "sleep", "60");
            Detached(peer, "--network", n, "bb", "sleep", "60");
            Assert.NotEqual(0, Q.Run("exec", c, "busybox", "ping", "-c", "1", "-W", "2", f.WorldAddress).Code);
            Assert.NotEqual(0, Q.Run("exec", c, "busybox", "ping", "-c", "1", "-W", "2", f.HostAddress).Code);
            Assert.Equal(0, Q.Run("exec", c, "busybox", "ping", "-c", "1", "-W", "2", Ip(peer, n)).Code);
            Assert.DoesNotContain("default", Q.Ok("exec", c, "busybox", "ip", "route"));
        }
        finally
        {
            RemoveAll(c, peer);
            Q.Run("network", "rm", n);
        }
    }

    [Fact]
    public void Container_mode_shares_the_namespace()
    {
        var a = QuaiHost.Unique("a");
        try
        {
            Detached(a, "--network", "bridge", "bb", "sleep", "60");
            var mac = Q.Inspect(a, "{{.NetworkSettings.MacAddress}}");
            Assert.Matches("^02:42:", mac);
            Assert.Equal(mac, Q.Ok("run", "--rm", "--network", "container:" + a, "bb", "cat", "/sys/class/net/eth0/address"));
            var stopped = QuaiHost.Unique("s");
            Q.Ok("create", "--name", stopped, "bb", "true");
            var r = Q.Run("run", "--rm", "--network", "container:" + stopped, "bb", "true");
            Q.Run("rm", stopped);
            Assert.Equal(125, r.Code);
            Assert.Contains("cannot join network namespace of a non running container", r.Err);
        }
        finally { RemoveAll(a); }
    }

    [Theory]
    [InlineData("macvlan")]
    [InlineData("ipvlan")]
    public void Vlan_containers_get_addresses_on_a_parent_interface(string driver)
    {
        var n = Net("-d", driver, "--subnet", "10.77.0.0/24", "-o", "parent=dummy0");
        try
        {
            var r = Q.Run("run", "--rm", "--network", n, "--ip", "10.77.0.9", "bb", "busybox", "ip", "-4", "addr", "show", "eth0");
            if (driver == "ipvlan" && r.Code == 125 && r.Err.Contains("create ipvlan link") && r.Err.Contains("EOPNOTSUPP"))
            {
                // a kernel without CONFIG_IPVLAN (this machine's): the refusal is named, and nothing is left
                Assert.Equal("", Q.Ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", n));
                Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Q.Root, "netns")));
                return;
            }
            Assert.True(r.Code == 0, r.ToString());
            Assert.Contains("inet 10.77.0.9/24", r.Out);
            var auto = Q.Ok("run", "--rm", "--network", n, "bb", "busybox", "ip", "-4", "addr", "show", "eth0");
            Assert.Contains("inet 10.77.0.", auto);
        }
        finally { Q.Run("network", "rm", n); }
    }

    // ------------------------------------------------------------------ ports

    [Fact]
    public void Published_port_answers_on_loopback_the_host_address_and_from_outside()
    {
        var c = QuaiHost.Unique("web");
        var port = FreePort();
        try
        {
            Detached(c, "-p", $"{port}:80", "bb", "sh", "-c", Httpd);
            Assert.True(QuaiHost.Eventually(() => f.InHost(NetnsQuai.Get($"http://127.0.0.1:{port}/")).Out.Contains("hello-from-httpd"), TimeSpan.FromSeconds(10)),
                f.InHost(NetnsQuai.Get($"http://127.0.0.1:{port}/")).Out);
            Assert.Contains("hello-from-httpd", f.InHost(NetnsQuai.Get($"http://{f.HostAddress}:{port}/")).Out);
            Assert.Contains("hello-from-httpd", f.InWorld(NetnsQuai.Get($"http://{f.HostAddress}:{port}/")).Out);
            Assert.Equal($"0.0.0.0:{port}", Q.Ok("port", c, "80"));
            Assert.Equal($"80/tcp -> 0.0.0.0:{port}", Q.Ok("port", c));
            Assert.Equal($"0.0.0.0:{port}->80/tcp", Q.Ok("ps", "--filter", "name=" + c, "--format", "{{.Ports}}"));
            Assert.Equal(port.ToString(), Q.Inspect(c, "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}"));
            Assert.Matches(@"^172\.|^192\.168\.", Q.Inspect(c, "{{.NetworkSettings.IPAddress}}"));

            // taken: by another container, then by a process of the host
            var again = Q.Run("run", "--rm", "-p", $"{port}:80", "bb", "true");
            Assert.Equal(125, again.Code);
            Assert.Contains($"Bind for 0.0.0.0:{port} failed: port is already allocated", again.Err);
        }
        finally { RemoveAll(c); }
        Assert.NotEqual(0, f.InHost(NetnsQuai.Get($"http://127.0.0.1:{port}/")).Code);
    }

    [Fact]
    public void Publish_all_picks_free_ports_and_a_port_bound_on_the_host_is_refused()
    {
        var c = QuaiHost.Unique("web");
        try
        {
            Detached(c, "--expose", "80", "-P", "bb", "sh", "-c", Httpd);
            var hostPort = int.Parse(Q.Ok("port", c, "80/tcp").Split(':')[1]);
            Assert.InRange(hostPort, 32768, 60999);
            Assert.True(QuaiHost.Eventually(() => f.InHost(NetnsQuai.Get($"http://127.0.0.1:{hostPort}/")).Out.Contains("hello-from-httpd"), TimeSpan.FromSeconds(10)));
        }
        finally { RemoveAll(c); }

        // a port a host process listens on (in quai's host namespace)
        var port = FreePort();
        using var listener = new Process { StartInfo = new ProcessStartInfo("nsenter", ["--net=" + f.HostPath, "busybox", "nc", "-l", "-p", port.ToString()]) { RedirectStandardInput = true, RedirectStandardOutput = true } };
        listener.Start();
        try
        {
            Assert.True(QuaiHost.Eventually(() => f.InHost("busybox", "netstat", "-ltn").Out.Contains($":{port} "), TimeSpan.FromSeconds(5)));
            var r = Q.Run("run", "--rm", "-p", $"{port}:80", "bb", "true");
            Assert.Equal(125, r.Code);
            Assert.Contains("address already in use", r.Err);
        }
        finally { listener.Kill(); listener.WaitForExit(); }
    }

    // ------------------------------------------------------------------ inspect, connect

    [Fact]
    public void Inspect_shows_the_networks_and_connect_disconnect_change_them()
    {
        var a = Net("--subnet", "10.63.0.0/24");
        var b = Net("--subnet", "10.64.0.0/24");
        var c = QuaiHost.Unique("c");
        try
        {
            Detached(c, "--network", a, "--ip", "10.63.0.50", "--network-alias", "web", "--mac-address", "02:42:0a:3f:00:99", "bb", "sleep", "60");
            Assert.Equal("10.63.0.50", Ip(c, a));
            Assert.Equal("10.63.0.1", Q.Inspect(c, $"{{{{(index .NetworkSettings.Networks \"{a}\").Gateway}}}}"));
            Assert.Equal("02:42:0a:3f:00:99", Q.Inspect(c, $"{{{{(index .NetworkSettings.Networks \"{a}\").MacAddress}}}}"));
            Assert.Equal("[web]", Q.Inspect(c, $"{{{{(index .NetworkSettings.Networks \"{a}\").Aliases}}}}"));
            Assert.Contains(c, Q.Inspect(c, $"{{{{(index .NetworkSettings.Networks \"{a}\").DNSNames}}}}"));
            Assert.Equal("", Q.Inspect(c, "{{.NetworkSettings.IPAddress}}")); // top-level: the default bridge only

            Q.Ok("network", "connect", "--ip", "10.64.0.7", b, c);
            Assert.Contains("inet 10.64.0.7/24", Q.Ok("exec", c, "busybox", "ip", "-4", "addr", "show", "eth1"));
            Assert.Contains(c, Q.Ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", b));
            Q.Ok("network", "disconnect", b, c);
            Assert.NotEqual(0, Q.Run("exec", c, "busybox", "ip", "addr", "show", "eth1").Code);
            var again = Q.Run("network", "disconnect", b, c);
            Assert.Equal(1, again.Code);
            Assert.Contains("is not connected to network", again.Err);
        }
        finally
        {
            RemoveAll(c);
            Q.Run("network", "rm", a, b);
        }
    }

    [Fact]
    public void Restarts_attach_again_and_a_stopped_container_holds_nothing()
    {
        var n = Net();
        var c = QuaiHost.Unique("r");
        try
        {
            Detached(c, "--restart", "on-failure:2", "--network", n, "bb", "sh", "-c", "busybox ip -4 addr show eth0 | busybox grep -c inet; exit 1");
            Assert.True(QuaiHost.Eventually(() => Q.Inspect(c, "{{.State.Status}} {{.RestartCount}}") == "exited 2", TimeSpan.FromSeconds(30)), Q.Inspect(c, "{{.State.Status}} {{.RestartCount}}"));
            Assert.Equal(["1", "1", "1"], Q.Ok("logs", c).Split('\n'));
            Assert.Equal("", Q.Ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", n));
            Assert.False(File.Exists(Path.Combine(Q.Root, "netns", Q.Inspect(c, "{{.Id}}"))));
            // started again: attached again
            Q.Ok("start", c);
            Assert.True(QuaiHost.Eventually(() => Q.Inspect(c, "{{.State.Status}}") == "exited", TimeSpan.FromSeconds(30)));
            Assert.Equal("", Q.Ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", n));
        }
        finally
        {
            RemoveAll(c);
            Q.Run("network", "rm", n);
        }
    }

    // ------------------------------------------------------------------ leaks

    [Fact]
    public void Run_rm_cycles_and_killed_monitors_leave_nothing()
    {
        var n = Net();
        var sw = Stopwatch.StartNew();
        var cycles = 0;
        while (cycles < 50 && sw.Elapsed < TimeSpan.FromSeconds(40))
        {
            Q.Ok("run", "--rm", "--network", cycles % 2 == 0 ? n : "bridge", "-p", "80", "bb", "true");
            cycles++;
        }
        Assert.True(cycles >= 10, $"only {cycles} cycles in 40 s");
        var killed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var name = QuaiHost.Unique("k");
            Detached(name, "--network", i % 2 == 0 ? n : "bridge", "-p", "80", "bb", "sleep", "60");
            killed.Add(name);
        }
        foreach (var k in killed)
        {
            var pid = int.Parse(Q.Inspect(k, "{{.Quai.MonitorPid}}"));
            Process.GetProcessById(pid).Kill();
        }
        Assert.True(QuaiHost.Eventually(() => Q.LeftoverMonitors().Count == 0, TimeSpan.FromSeconds(10)));
        foreach (var k in killed) Assert.Equal("exited", Q.Inspect(k, "{{.State.Status}}")); // the next command sees them dead and sweeps
        RemoveAll([.. killed]);
        Q.Ok("network", "rm", n);
        Q.Ok("network", "prune", "-f");

        Assert.DoesNotContain("veth", f.InHost("ip", "link").Out);
        var nft = f.InHost("nft", "list", "ruleset").Out;
        Assert.DoesNotContain("dnat to", nft); // no published port left
        var store = Path.Combine(Q.Root, "networks");
        Assert.DoesNotContain(Directory.EnumerateFiles(store, "*.json", SearchOption.AllDirectories), p => p.Contains("/endpoints/"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Q.Root, "netns")));
        Assert.DoesNotContain(Q.Root + "/netns", File.ReadAllText("/proc/self/mountinfo"));
    }

    private int FreePort()
    {
        while (true)
        {
            var p = Random.Shared.Next(20000, 30000);
            if (!f.InHost("busybox", "netstat", "-ltn").Out.Contains($":{p} ")) return p;
        }
    }
}
