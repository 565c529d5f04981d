using System.Net;
using Quai.Interop;
using Quai.Network.Drivers;
using Quai.Network.Firewall;
using Quai.Network.Ipam;
using Quai.Network.Netlink;
using Quai.Network.Netns;
using Quai.Network.Ports;

namespace Quai.Network.Networks;

/// <summary>What `network create` asks for (Docker's flags).</summary>
public sealed class CreateRequest
{
    public string Name { get; set; } = "";
    public string Driver { get; set; } = "bridge";
    public List<string> Subnets { get; set; } = [];
    public List<string> Gateways { get; set; } = [];
    public List<string> IpRanges { get; set; } = [];
    public bool Internal { get; set; }
    public bool IPv6 { get; set; }
    public bool Attachable { get; set; }
    public Dictionary<string, string> Options { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];
}

/// <summary>What a container asks of one network when it joins.</summary>
public sealed class ConnectRequest
{
    public string ContainerId { get; set; } = "";
    public string ContainerName { get; set; } = "";
    public string? IPv4 { get; set; }
    public string? IPv6 { get; set; }
    public string? Mac { get; set; }
    public List<string> Aliases { get; set; } = [];
    public List<PortMapping> Ports { get; set; } = [];
}

/// <summary>Networks of one store: create/remove, and the attachment of containers. Every change
/// holds the store's network lock; every attachment is recorded (fsync'd) before its interfaces are
/// created, and removed after them, so what a killed process leaves is named by a record and removed by
/// <see cref="Disconnect"/> (the engine calls it for containers whose monitor is gone, and `network prune`).
/// The namespace this runs in is the "host": bridges, veths and rules are made there.</summary>
public sealed class NetworkManager
{
    public NetworkStore Store { get; }
    public const string DefaultBridge = "quai0";
    public static readonly string[] Drivers = ["bridge", "macvlan", "ipvlan", "host", "null"];

    /// <summary>How host programs (nft) run: the container monitor passes its reaper-friendly spawner.</summary>
    public HostCommand RunHost { get; init; } = HostCommands.WithProcess;

    public NetworkManager(string engineRoot) => Store = new NetworkStore(engineRoot);

    /// <summary>The predefined networks (bridge, host, none), recorded the first time they are needed.</summary>
    public void EnsurePredefined()
    {
        if (Store.Find("bridge") is not null && Store.Find("host") is not null && Store.Find("none") is not null) return;
        using var _ = Store.Lock();
        var all = Store.List();
        if (!all.Any(n => n.Name == "bridge"))
        {
            using var rt = new Rtnl();
            var subnet = Environment.GetEnvironmentVariable("QUAI_BRIDGE_SUBNET") is { Length: > 0 } s ? Subnet.Parse(s)
                : DefaultPools.Pick(all.SelectMany(Subnets), rt.Routes()) ?? throw new NetworkConflictException("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
            Store.Save(new NetworkRecord
            {
                Name = "bridge", Id = NetworkStore.NewId(), Created = Now(), Driver = "bridge",
                IPAM = new IpamInfo { Config = [new IpamConfig { Subnet = subnet.ToString(), Gateway = subnet.At(1).ToString() }] },
                Options = new()
                {
                    ["com.docker.network.bridge.default_bridge"] = "true", ["com.docker.network.bridge.enable_icc"] = "true",
                    ["com.docker.network.bridge.enable_ip_masquerade"] = "true", ["com.docker.network.bridge.host_binding_ipv4"] = "0.0.0.0",
                    [NetworkRecord.BridgeNameOption] = DefaultBridge, ["com.docker.network.driver.mtu"] = "1500",
                },
            });
        }
        foreach (var (name, driver) in new[] { ("host", "host"), ("none", "null") })
            if (!all.Any(n => n.Name == name))
                Store.Save(new NetworkRecord { Name = name, Id = NetworkStore.NewId(), Created = Now(), Driver = driver, EnableIPv4 = false, IPAM = new IpamInfo() });
    }

    public static IEnumerable<Subnet> Subnets(NetworkRecord n) => n.IPAM.Config.Select(c => Subnet.Parse(c.Subnet));

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'");

    // ------------------------------------------------------------------ create / remove

    public NetworkRecord Create(CreateRequest r)
    {
        EnsurePredefined();
        if (!Drivers.Contains(r.Driver)) throw new NetworkNotFoundException($"plugin \"{r.Driver}\" not found");
        if (r.Driver is "host" or "null") throw new NetworkConflictException($"only one instance of \"{r.Driver}\" network is allowed");
        if (!ValidName(r.Name)) throw new NetworkUsageException($"invalid network name \"{r.Name}\"");
        var subnets = new List<Subnet>();
        foreach (var s in r.Subnets)
            subnets.Add(Subnet.TryParse(s, out var sub) ? sub! : throw new NetworkUsageException($"invalid CIDR address: {s}"));
        if (r.Gateways.Count > subnets.Count) throw new NetworkUsageException("every ip-range or gateway must have a corresponding subnet");
        if (r.IpRanges.Count > subnets.Count) throw new NetworkUsageException("every ip-range or gateway must have a corresponding subnet");
        if (r.Driver is "macvlan" or "ipvlan" && !r.Options.ContainsKey("parent"))
            throw new NetworkUsageException($"{r.Driver} networks need -o parent=INTERFACE");
        using var _ = Store.Lock();
        var all = Store.List();
        if (all.Any(n => n.Name == r.Name)) throw new NetworkConflictException($"network with name {r.Name} already exists");
        var taken = all.SelectMany(Subnets).ToList();
        foreach (var s in subnets)
            if (taken.Any(t => t.Overlaps(s)) || subnets.Any(o => !ReferenceEquals(o, s) && o.Overlaps(s)))
                throw new NetworkConflictException("invalid pool request: Pool overlaps with other one on this address space");
        if (!subnets.Any(s => !s.IsV6))
        {
            using var rt = new Rtnl();
            subnets.Insert(0, DefaultPools.Pick(taken, rt.Routes()) ?? throw new NetworkConflictException("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"));
        }
        if (r.IPv6 && !subnets.Any(s => s.IsV6))
            throw new NetworkUsageException("IPv6 without --subnet is not supported yet: give an IPv6 --subnet (e.g. fd00:1::/64)");
        var id = NetworkStore.NewId();
        var rec = new NetworkRecord
        {
            Name = r.Name, Id = id, Created = Now(), Driver = r.Driver, EnableIPv6 = r.IPv6 || subnets.Any(s => s.IsV6),
            Internal = r.Internal, Attachable = r.Attachable, Options = new(r.Options), Labels = new(r.Labels),
        };
        // --subnet/--gateway/--ip-range pair up in order, IPv4 and IPv6 apart (as docker's CLI pairs them)
        foreach (var s in subnets)
        {
            var gw = r.Gateways.Select(IPAddress.Parse).FirstOrDefault(g => s.Contains(g));
            if (r.Gateways.Count > 0 && gw is null && r.Gateways.Any(g => IPAddress.Parse(g).AddressFamily == s.Address.AddressFamily))
                throw new NetworkUsageException($"no matching subnet for gateway {r.Gateways.First(g => IPAddress.Parse(g).AddressFamily == s.Address.AddressFamily)}");
            var range = r.IpRanges.Select(Subnet.Parse).FirstOrDefault(x => s.Contains(x));
            if (r.IpRanges.Count > 0 && range is null && r.IpRanges.Any(x => Subnet.Parse(x).IsV6 == s.IsV6))
                throw new NetworkUsageException($"no matching subnet for range {r.IpRanges.First(x => Subnet.Parse(x).IsV6 == s.IsV6)}");
            var cfg = new IpamConfig { Subnet = s.ToString(), Gateway = (gw ?? s.At(1)).ToString(), IPRange = range?.ToString() };
            rec.IPAM.Config.Add(cfg);
        }
        if (rec.Interface.Length > 15) throw new NetworkUsageException($"bridge name {rec.Interface} is longer than 15 characters");
        if (r.Driver == "bridge" && all.Any(n => n.Driver == "bridge" && n.Interface == rec.Interface))
            throw new NetworkConflictException($"bridge name {rec.Interface} is already used by another network");
        Store.Save(rec);
        try
        {
            if (r.Driver == "bridge")
            {
                using var rt = new Rtnl();
                BridgeDriver.EnsureBridge(rt, rec);
                ApplyFirewall();
            }
            else
            {
                using var rt = new Rtnl();
                if (rt.Index(rec.Options["parent"]) is null)
                    throw new NetworkUsageException($"-o parent interface was not found on the host: {rec.Options["parent"]}");
            }
        }
        catch
        {
            try { RemoveInterfaces(rec); } catch (Exception) { }
            Store.Delete(id);
            throw;
        }
        return rec;
    }

    private static bool ValidName(string name) =>
        name.Length > 0 && name.Length <= 128 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    /// <summary>Removes a network nobody is attached to.</summary>
    public void Remove(string nameOrId)
    {
        var n = Store.Get(nameOrId);
        if (n.Predefined) throw new NetworkConflictException($"{n.Name} is a pre-defined network and cannot be removed");
        using var _ = Store.Lock();
        n = Store.Get(nameOrId);
        var eps = Store.Endpoints(n.Id);
        if (eps.Count > 0)
            throw new NetworkConflictException($"error while removing network: network {n.Name} has active endpoints ({string.Join(", ", eps.Select(e => $"name:\"{e.ContainerName}\" id:\"{e.ContainerId[..12]}\""))})");
        Store.Delete(n.Id);
        RemoveInterfaces(n);
        if (n.Driver == "bridge") ApplyFirewall();
    }

    private static void RemoveInterfaces(NetworkRecord n)
    {
        if (n.Driver != "bridge") return;
        using var rt = new Rtnl();
        try { rt.DeleteLink(n.Interface); } catch (ErrnoException e) when (e.Code == Errno.ENODEV) { }
    }

    // ------------------------------------------------------------------ containers

    /// <summary>The namespace file of a container (made by the first <see cref="Connect"/>).</summary>
    public string NetnsPath(string containerId) => Path.Combine(Store.NetnsDir, containerId);

    /// <summary>Attaches a container to a network: allocates its addresses (and host ports), records the
    /// endpoint, creates the container's namespace if this is its first network, then its interface.</summary>
    public Endpoint Connect(string network, ConnectRequest r)
    {
        EnsurePredefined();
        var n = Store.Find(network) ?? throw new NetworkNotFoundException($"network {network} not found");
        if (n.Driver is "host" or "null") throw new NetworkUsageException($"container cannot be connected to network {n.Name} with a {n.Driver} driver");
        using var _ = Store.Lock();
        if (Store.LoadEndpoint(n.Id, r.ContainerId) is not null)
            throw new NetworkConflictException($"endpoint with name {r.ContainerName} already exists in network {n.Name}");
        var mine = Store.EndpointsOf(r.ContainerId).ToList();
        var used = Store.UsedAddresses(n.Id);
        var e = new Endpoint
        {
            NetworkId = n.Id, ContainerId = r.ContainerId, ContainerName = r.ContainerName, EndpointId = NetworkStore.NewId(),
            NetnsPath = NetnsPath(r.ContainerId), Aliases = r.Aliases.Distinct().ToList(),
            HostInterface = n.Driver == "bridge" ? BridgeDriver.HostInterfaceName(r.ContainerId, n.Id) : "q" + r.ContainerId[..8] + mine.Count,
        };
        foreach (var c in n.IPAM.Config)
        {
            var s = Subnet.Parse(c.Subnet);
            var gw = c.Gateway.Length > 0 ? IPAddress.Parse(c.Gateway) : null;
            var wanted = s.IsV6 ? r.IPv6 : r.IPv4;
            IPAddress ip;
            if (wanted is { Length: > 0 })
            {
                if (!IPAddress.TryParse(wanted, out var w)) throw new NetworkUsageException($"invalid IP address: {wanted}");
                if (AddressAllocator.CheckStatic(s, w, gw, used) is { } why) throw new NetworkConflictException(why);
                ip = w;
            }
            else ip = AddressAllocator.Next(s, c.IPRange is { } rg ? Subnet.Parse(rg) : null, gw, used)
                ?? throw new NetworkConflictException($"no available IPv{(s.IsV6 ? 6 : 4)} addresses on this network's address pools: {n.Name} ({n.Id})");
            if (s.IsV6) e.IPv6 = ip.ToString(); else e.IPv4 = ip.ToString();
        }
        foreach (var w in new[] { r.IPv4, r.IPv6 })
            if (w is { Length: > 0 } && w != e.IPv4 && w != e.IPv6)
                throw new NetworkConflictException($"no configured subnet or ip-range contain the IP address {w}");
        e.Mac = r.Mac ?? (e.IPv4.Length > 0 ? BridgeDriver.MacFor(IPAddress.Parse(e.IPv4)) : RandomMac());
        e.Ports = HostPorts.Allocate(r.Ports, Store.AllEndpoints().SelectMany(x => x.Ports).ToList());
        var ifName = "eth" + mine.Count;
        var firstNetwork = mine.Count == 0;
        FaultPoint.Hit("network.connect.allocated");
        Store.SaveEndpoint(e); // recorded before anything exists
        FaultPoint.Hit("network.connect.recorded");
        try
        {
            if (firstNetwork)
            {
                if (File.Exists(e.NetnsPath)) NetnsFile.Remove(e.NetnsPath); // a dead monitor's
                NetnsFile.Create(e.NetnsPath);
            }
            using var host = new Rtnl();
            var fw = e.Ports.Count > 0;
            if (n.Driver == "bridge")
            {
                fw |= BridgeDriver.EnsureBridge(host, n);
                BridgeDriver.Attach(host, n, e, ifName, defaultRoute: firstNetwork);
            }
            else VlanDriver.Attach(host, n, e, ifName);
            if (fw) ApplyFirewall();
        }
        catch
        {
            try { using var host = new Rtnl(); BridgeDriver.Detach(host, e); } catch (Exception) { }
            if (firstNetwork) try { NetnsFile.Remove(e.NetnsPath); } catch (Exception) { }
            Store.DeleteEndpoint(n.Id, r.ContainerId);
            if (e.Ports.Count > 0) try { ApplyFirewall(); } catch (Exception) { }
            throw;
        }
        return e;
    }

    private static string RandomMac()
    {
        var b = System.Security.Cryptography.RandomNumberGenerator.GetBytes(6);
        b[0] = (byte)((b[0] & 0xfe) | 0x02);
        return string.Join(':', b.Select(x => x.ToString("x2")));
    }

    /// <summary>Detaches a container from one network (`network disconnect`) or from all (null): interfaces
    /// first, records after, then its namespace file when no network is left. Safe to repeat.</summary>
    public void Disconnect(string containerId, string? network = null)
    {
        var eps = Store.EndpointsOf(containerId).ToList();
        if (network is not null)
        {
            var n = Store.Find(network) ?? throw new NetworkNotFoundException($"network {network} not found");
            eps = eps.Where(e => e.NetworkId == n.Id).ToList();
            if (eps.Count == 0) throw new NetworkConflictException($"container {containerId[..12]} is not connected to network {n.Name}");
        }
        var path = NetnsPath(containerId);
        if (eps.Count == 0 && !File.Exists(path)) return;
        using var _ = Store.Lock();
        var fw = false;
        using (var host = new Rtnl())
            foreach (var e in eps)
            {
                BridgeDriver.Detach(host, e);
                FaultPoint.Hit("network.disconnect.detached");
                Store.DeleteEndpoint(e.NetworkId, containerId);
                fw |= e.Ports.Count > 0;
            }
        if (network is null || !Store.EndpointsOf(containerId).Any()) NetnsFile.Remove(path);
        if (fw) ApplyFirewall();
    }

    /// <summary>Containers with an endpoint or a namespace file: what <see cref="Sweep"/> looks at.</summary>
    public HashSet<string> AttachedContainers()
    {
        var set = Store.AllEndpoints().Select(e => e.ContainerId).ToHashSet();
        foreach (var f in Directory.EnumerateFiles(Store.NetnsDir)) set.Add(Path.GetFileName(f));
        return set;
    }

    /// <summary>Detaches every container for which <paramref name="isRunning"/> is false (dead monitors, removed containers).</summary>
    public int Sweep(Func<string, bool> isRunning)
    {
        var n = 0;
        foreach (var id in AttachedContainers())
            if (!isRunning(id)) { Disconnect(id); n++; }
        return n;
    }

    /// <summary>Replaces Quai's nftables tables with what the records say.</summary>
    public void ApplyFirewall()
    {
        var nets = Store.List().Where(n => n.Driver == "bridge").ToList();
        var ports = new List<NftRuleset.Published>();
        foreach (var n in nets)
            foreach (var e in Store.Endpoints(n.Id))
                foreach (var p in e.Ports)
                {
                    if (e.IPv4.Length == 0) continue;
                    Subnet? hip = p.HostIp is { Length: > 0 } h && h != "0.0.0.0" ? new Subnet(IPAddress.Parse(h), 32) : null;
                    ports.Add(new(hip, p.HostPort, p.Protocol, IPAddress.Parse(e.IPv4), p.ContainerPort));
                }
        Nft.Apply(NftRuleset.Render(nets.Select(n => new NftRuleset.Net(n.Interface, Subnets(n).ToList(), n.Internal)).ToList(), ports), RunHost);
    }

    /// <summary>Networks with their attached containers filled in (for inspect).</summary>
    public NetworkRecord WithContainers(NetworkRecord n)
    {
        n.Containers = Store.Endpoints(n.Id).ToDictionary(e => e.ContainerId, e =>
        {
            var subnets = Subnets(n).ToList();
            return new EndpointInfo
            {
                Name = e.ContainerName, EndpointID = e.EndpointId, MacAddress = e.Mac,
                IPv4Address = e.IPv4.Length > 0 ? $"{e.IPv4}/{subnets.First(s => !s.IsV6).Prefix}" : "",
                IPv6Address = e.IPv6.Length > 0 ? $"{e.IPv6}/{subnets.First(s => s.IsV6).Prefix}" : "",
            };
        });
        return n;
    }
}
