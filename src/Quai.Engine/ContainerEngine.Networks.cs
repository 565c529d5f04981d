using System.Net;
using Quai.Engine.Containers;
using Quai.Engine.Networking;
using Quai.Network.Networks;
using Quai.Network.Ports;
using Quai.Oci.Image;

namespace Quai.Engine;

/// <summary>Networking of containers: which networks a container joins (decided at create, changed by
/// `network connect/disconnect`), its ports, and the attach/detach its monitor does around each run.</summary>
public sealed partial class ContainerEngine
{
    private NetworkManager? _networks;

    /// <summary>The networks of this store; host programs (nft) run through the reaper-friendly spawner.</summary>
    public NetworkManager Networks => _networks ??= new NetworkManager(Root) { RunHost = SpawnedHostCommand.Run };

    /// <summary>A user-defined network or the default bridge (the modes that get interfaces from the network store).</summary>
    public static bool IsAttachedMode(string mode) => mode is not ("none" or "host" or "") && !mode.StartsWith("container:", StringComparison.Ordinal);

    /// <summary>At create: the network mode, the first network's attachment, published and exposed ports.</summary>
    private void ConfigureNetworking(Container c, RunOptions o, ContainerConfig ic)
    {
        var hc = c.HostConfig;
        var exposed = new Dictionary<string, EmptyObject>();
        foreach (var k in ic.ExposedPorts?.Keys.ToList() ?? []) exposed[k.Contains('/') ? k : k + "/tcp"] = new EmptyObject();
        foreach (var e in o.Expose)
        {
            var slash = e.IndexOf('/');
            var proto = slash < 0 ? "tcp" : e[(slash + 1)..];
            var range = slash < 0 ? e : e[..slash];
            List<PortMapping> ports;
            try { ports = PortSpec.Parse(range + "/" + proto); }
            catch (NetworkUsageException x) { throw new EngineUsageException($"invalid argument \"{e}\" for \"--expose\" flag: {x.Message}"); }
            foreach (var p in ports) exposed[PortSpec.Key(p)] = new EmptyObject();
        }
        var bindings = new Dictionary<string, List<PortBinding>>();
        foreach (var spec in o.Publish)
        {
            List<PortMapping> ports;
            try { ports = PortSpec.Parse(spec); }
            catch (NetworkUsageException x) { throw new EngineUsageException(x.Message); }
            foreach (var p in ports)
            {
                var key = PortSpec.Key(p);
                exposed[key] = new EmptyObject();
                var hostPort = p.HostPort switch { 0 => "", < 0 => $"{-p.HostPort / 65536}-{-p.HostPort % 65536}", var hp => hp.ToString() };
                (bindings.TryGetValue(key, out var l) ? l : bindings[key] = []).Add(new PortBinding { HostIp = p.HostIp, HostPort = hostPort });
            }
        }
        if (exposed.Count > 0) c.Config.ExposedPorts = exposed;
        var mode = (o.Network ?? (hc.NetworkMode == "host" ? "host" : null)) switch
        {
            null or "" => bindings.Count > 0 || o.PublishAll ? "bridge" : "none",
            "default" => "bridge",
            var m => m,
        };
        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            var other = mode["container:".Length..];
            if (other.Length == 0) throw new EngineUsageException("invalid container format container:<name|id>");
            Store.Resolve(other); // No such container: X
            if (bindings.Count > 0 || o.PublishAll) throw new EngineUsageException("conflicting options: port publishing and the container type network mode");
            if (o.Hostname is { Length: > 0 }) throw new EngineUsageException("conflicting options: hostname and the network mode");
            if (o.MacAddress is { Length: > 0 }) throw new EngineUsageException("conflicting options: mac-address and the network mode");
        }
        else if (mode == "host")
        {
            if (bindings.Count > 0) Console.Error.WriteLine("WARNING: Published ports are discarded when using host network mode");
            bindings.Clear();
            if (o.MacAddress is { Length: > 0 }) throw new EngineUsageException("conflicting options: mac-address and the network mode");
        }
        if (!IsAttachedMode(mode))
        {
            if (o.IPv4Address is { Length: > 0 } || o.IPv6Address is { Length: > 0 }) throw new EngineUsageException("user specified IP address is supported on user defined networks only");
            if (o.NetworkAliases.Count > 0) throw new EngineUsageException("network-scoped alias is supported only for containers in user defined networks");
        }
        hc.NetworkMode = mode;
        hc.PortBindings = bindings;
        hc.PublishAllPorts = o.PublishAll && mode != "host";
        if (!IsAttachedMode(mode)) return;
        Networks.EnsurePredefined();
        var n = Networks.Store.Find(mode) ?? throw new NotFoundException($"network {mode} not found");
        if (n.Driver == "host") { hc.NetworkMode = "host"; hc.PortBindings = []; return; }
        if (n.Driver == "null") { hc.NetworkMode = "none"; return; }
        if (n.Name == "bridge")
        {
            if (o.IPv4Address is { Length: > 0 } || o.IPv6Address is { Length: > 0 }) throw new EngineUsageException("user specified IP address is supported on user defined networks only");
            if (o.NetworkAliases.Count > 0) throw new EngineUsageException("network-scoped alias is supported only for containers in user defined networks");
        }
        foreach (var ip in new[] { o.IPv4Address, o.IPv6Address })
            if (ip is { Length: > 0 } && !IPAddress.TryParse(ip, out _)) throw new EngineUsageException($"invalid IP address: {ip}");
        if (o.MacAddress is { Length: > 0 } mac && !ValidMac(mac)) throw new EngineUsageException($"{mac} is not a valid mac address");
        hc.NetworkMode = n.Name;
        c.Quai.Networks = [new NetworkAttachment
        {
            NetworkId = n.Id, Name = n.Name, IPv4Address = Empty(o.IPv4Address), IPv6Address = Empty(o.IPv6Address),
            MacAddress = Empty(o.MacAddress?.ToLowerInvariant()), Aliases = o.NetworkAliases.Distinct().ToList(),
        }];
    }

    private static string? Empty(string? s) => s is { Length: > 0 } ? s : null;

    public static bool ValidMac(string mac)
    {
        var parts = mac.Split(':');
        return parts.Length == 6 && parts.All(p => p.Length == 2 && p.All(char.IsAsciiHexDigit));
    }

    /// <summary>The host ports a container asks for: -p bindings, and -P's exposed ports without one.</summary>
    public static List<PortMapping> WantedPorts(Container c)
    {
        var list = new List<PortMapping>();
        var bound = c.HostConfig.PortBindings ?? [];
        foreach (var (key, bs) in bound)
        {
            var (port, proto) = SplitKey(key);
            foreach (var b in bs)
            {
                var hp = b.HostPort;
                int host = hp.Length == 0 ? 0 : hp.IndexOf('-') is var d and > 0 ? -(int.Parse(hp[..d]) * 65536 + int.Parse(hp[(d + 1)..])) : int.Parse(hp);
                list.Add(new PortMapping { HostIp = b.HostIp, HostPort = host, ContainerPort = port, Protocol = proto });
            }
        }
        if (c.HostConfig.PublishAllPorts)
            foreach (var key in c.Config.ExposedPorts?.Keys.ToList() ?? [])
                if (!bound.ContainsKey(key))
                {
                    var (port, proto) = SplitKey(key);
                    list.Add(new PortMapping { ContainerPort = port, Protocol = proto });
                }
        return list;
    }

    private static (int Port, string Proto) SplitKey(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? (int.Parse(key), "tcp") : (int.Parse(key[..slash]), key[(slash + 1)..]);
    }

    /// <summary>Before the container is created (in its monitor): joins its networks (the first makes the namespace
    /// file) and returns the network namespace path the spec names; null: a new empty namespace (none) or the host's.</summary>
    public string? AttachNetworks(Container c)
    {
        var mode = c.HostConfig.NetworkMode;
        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            var other = Refresh(Store.Load(Store.Resolve(mode["container:".Length..])));
            if (!other.State.Running || other.State.Pid <= 0)
                throw new ContainerStartException($"cannot join network namespace of a non running container: {other.PlainName}", 125);
            return $"/proc/{other.State.Pid}/ns/net";
        }
        if (!IsAttachedMode(mode) || c.Quai.Networks.Count == 0) return null;
        Networks.Disconnect(c.Id); // what an earlier run of a killed monitor left
        var first = true;
        var addresses = new List<string>();
        string? gateway = null;
        try
        {
            foreach (var a in c.Quai.Networks)
            {
                var n = Networks.Store.Find(a.NetworkId) ?? throw new ContainerStartException($"network {a.Name} not found", 125);
                var e = Networks.Connect(n.Id, new ConnectRequest
                {
                    ContainerId = c.Id, ContainerName = c.PlainName, IPv4 = a.IPv4Address, IPv6 = a.IPv6Address, Mac = a.MacAddress,
                    Aliases = a.Aliases, Ports = first && n.Driver == "bridge" ? WantedPorts(c) : [],
                });
                if (e.IPv4.Length > 0) addresses.Add(e.IPv4);
                gateway ??= n.IPAM.Config.FirstOrDefault(x => !x.Subnet.Contains(':'))?.Gateway;
                if (e.IPv6.Length > 0) addresses.Add(e.IPv6);
                first = false;
            }
        }
        catch (Exception e) when (e is NetworkConflictException or NetworkUsageException or NetworkNotFoundException)
        {
            try { Networks.Disconnect(c.Id); } catch (Exception) { }
            throw new ContainerStartException(e.Message, 125);
        }
        catch
        {
            try { Networks.Disconnect(c.Id); } catch (Exception) { }
            throw;
        }
        WriteOwnHosts(c, addresses, gateway);
        return Networks.NetnsPath(c.Id);
    }

    /// <summary>After the container's run (or when its monitor is found dead): its interfaces, rules and records go.</summary>
    public void DetachNetworks(string id)
    {
        if (_networks is null && !Directory.Exists(Path.Combine(Root, "networks"))) return;
        Networks.Disconnect(id);
    }

    /// <summary>Removes the endpoints of containers that are gone or whose monitor died.</summary>
    public int SweepNetworks() => Networks.Sweep(id =>
    {
        var c = Store.TryLoad(id);
        return c is not null && MonitorAlive(c);
    });

    /// <summary>The container's live endpoints (while it runs), by network.</summary>
    public List<(NetworkRecord Network, Endpoint Endpoint)> EndpointsOf(string id)
    {
        if (!Directory.Exists(Path.Combine(Root, "networks"))) return [];
        var list = new List<(NetworkRecord, Endpoint)>();
        foreach (var n in Networks.Store.List())
            if (Networks.Store.LoadEndpoint(n.Id, id) is { } e) list.Add((n, e));
        return list;
    }

    /// <summary>The host ports of a running container (its endpoints' records).</summary>
    public List<PortMapping> PublishedPorts(string id) => EndpointsOf(id).SelectMany(x => x.Endpoint.Ports).ToList();

    private static bool WantsHostGateway(HostConfig hc) =>
        (hc.ExtraHosts ?? []).Any(e => e.EndsWith(":" + Specs.NetworkFiles.HostGateway, StringComparison.Ordinal) || e.EndsWith("=" + Specs.NetworkFiles.HostGateway, StringComparison.Ordinal));

    /// <summary>What --add-host NAME:host-gateway means, as dockerd's default host-gateway-ip: the default bridge's
    /// gateway, the host's address on it (the bridge's record is made if it is not yet there; its interface appears
    /// with the first container on it).</summary>
    private string? HostGatewayIp()
    {
        Networks.EnsurePredefined();
        return Networks.Store.Find("bridge")?.IPAM.Config.FirstOrDefault(x => !x.Subnet.Contains(':'))?.Gateway;
    }

    private static void WriteOwnHosts(Container c, List<string> addresses, string? gateway)
    {
        try { File.WriteAllText(c.HostsPath, Specs.NetworkFiles.Hosts(c.Config.Hostname, addresses, c.HostConfig.ExtraHosts ?? [], gateway, null)); }
        catch (EngineUsageException e) { throw new ContainerStartException(e.Message, 125); }
    }

    /// <summary>A container on a user-defined network (not the default bridge) gets the embedded DNS server.</summary>
    public bool UsesEmbeddedDns(Container c) =>
        IsAttachedMode(c.HostConfig.NetworkMode) && c.Quai.Networks.Any(a => a.Name != "bridge");

    /// <summary>In the monitor, after <see cref="AttachNetworks"/>: the embedded DNS server on 127.0.0.11:53 of the
    /// container's namespace, answering the names of the containers on its networks (looked up per query, so
    /// answers follow containers as they come and go), relaying other names to the host's resolvers; and the
    /// container's resolv.conf naming it. Null for containers without a user-defined network.</summary>
    public IDisposable? StartDns(Container c)
    {
        if (!UsesEmbeddedDns(c)) return null;
        var host = File.Exists(Specs.NetworkFiles.HostResolvConfPath) ? File.ReadAllText(Specs.NetworkFiles.HostResolvConfPath) : "";
        File.WriteAllText(c.ResolvConfPath, Specs.NetworkFiles.ResolvConf(host, DnsServers(c), DnsSearch(c), DnsOptions(c), embeddedDns: true, ownNetns: true));
        var id = c.Id;
        return Quai.Network.Dns.EmbeddedDns.Start(Networks.NetnsPath(id), name => Resolve(id, name), Specs.NetworkFiles.Upstreams(host, DnsServers(c)));
    }

    private static IReadOnlyList<string> DnsServers(Container c) => c.HostConfig.Dns ?? [];
    private static IReadOnlyList<string> DnsSearch(Container c) => c.HostConfig.DnsSearch ?? [];
    private static IReadOnlyList<string> DnsOptions(Container c) => c.HostConfig.DnsOptions ?? [];

    /// <summary>The addresses <paramref name="name"/> has for container <paramref name="id"/>: on each user-defined network
    /// it is on, the containers' names, aliases and short ids, also as NAME.NETWORK.</summary>
    public IReadOnlyList<IPAddress> Resolve(string id, string name)
    {
        name = name.TrimEnd('.');
        var result = new List<IPAddress>();
        foreach (var (n, _) in EndpointsOf(id))
        {
            if (n.Name == "bridge") continue;
            var suffix = "." + n.Name;
            var bare = name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? name[..^suffix.Length] : name;
            foreach (var e in Networks.Store.Endpoints(n.Id))
            {
                var names = e.Aliases.Append(e.ContainerName).Append(e.ContainerId[..12]);
                if (!names.Any(x => string.Equals(x, bare, StringComparison.OrdinalIgnoreCase) || string.Equals(x, name, StringComparison.OrdinalIgnoreCase))) continue;
                if (e.IPv4.Length > 0) result.Add(IPAddress.Parse(e.IPv4));
                if (e.IPv6.Length > 0) result.Add(IPAddress.Parse(e.IPv6));
            }
        }
        return result.Distinct().ToList();
    }

    // ---------------------------------------------------------------- network connect / disconnect

    /// <summary>`network connect`: recorded on the container; joined at once when it runs.</summary>
    public void ConnectNetwork(string network, string container, string? ipv4, string? ipv6, List<string> aliases)
    {
        Networks.EnsurePredefined();
        var n = Networks.Store.Find(network) ?? throw new NotFoundException($"network {network} not found");
        var id = Store.Resolve(container);
        var c = Refresh(Store.Load(id));
        var mode = c.HostConfig.NetworkMode;
        if (n.Driver is "host" or "null" || mode == "host" || mode.StartsWith("container:", StringComparison.Ordinal))
            throw new ConflictException(mode == "host" || n.Driver == "host" ? "container cannot be disconnected from host network or connected to host network"
                : mode.StartsWith("container:", StringComparison.Ordinal) ? "container sharing network namespace with another container or host cannot be connected to any other network"
                : "container cannot be connected to multiple networks with one of the networks in private (none) mode");
        if (mode == "none")
            throw new ConflictException("container cannot be connected to multiple networks with one of the networks in private (none) mode");
        if (c.Quai.Networks.Any(a => a.NetworkId == n.Id))
            throw new ConflictException($"endpoint with name {c.PlainName} already exists in network {n.Name}");
        if (n.Name == "bridge" && (ipv4 is { Length: > 0 } || ipv6 is { Length: > 0 })) throw new EngineUsageException("user specified IP address is supported on user defined networks only");
        if (n.Name == "bridge" && aliases.Count > 0) throw new EngineUsageException("network-scoped alias is supported only for containers in user defined networks");
        var a = new NetworkAttachment { NetworkId = n.Id, Name = n.Name, IPv4Address = Empty(ipv4), IPv6Address = Empty(ipv6), Aliases = aliases.Distinct().ToList() };
        if (c.State.Running && MonitorAlive(c))
            Networks.Connect(n.Id, new ConnectRequest { ContainerId = c.Id, ContainerName = c.PlainName, IPv4 = a.IPv4Address, IPv6 = a.IPv6Address, Aliases = a.Aliases });
        Store.Update(id, x => x.Quai.Networks.Add(a));
    }

    /// <summary>`network disconnect`.</summary>
    public void DisconnectNetwork(string network, string container, bool force)
    {
        var n = Networks.Store.Find(network) ?? throw new NotFoundException($"network {network} not found");
        string id;
        try { id = Store.Resolve(container); }
        catch (NotFoundException) when (force)
        {
            // -f: the endpoint of a container that is gone
            foreach (var e in Networks.Store.Endpoints(n.Id).Where(e => e.ContainerName == container || e.ContainerId.StartsWith(container, StringComparison.Ordinal)))
                Networks.Disconnect(e.ContainerId, n.Id);
            return;
        }
        var c = Store.Load(id);
        if (n.Driver is "host" or "null") throw new ConflictException("container cannot be disconnected from host network or connected to host network");
        if (!c.Quai.Networks.Any(a => a.NetworkId == n.Id))
            throw new ConflictException($"container {c.Id[..12]} is not connected to network {n.Name}");
        if (Networks.Store.LoadEndpoint(n.Id, c.Id) is not null) Networks.Disconnect(c.Id, n.Id);
        Store.Update(id, x =>
        {
            x.Quai.Networks.RemoveAll(a => a.NetworkId == n.Id);
            if (x.HostConfig.NetworkMode == n.Name || x.HostConfig.NetworkMode == n.Id)
                x.HostConfig.NetworkMode = x.Quai.Networks.FirstOrDefault()?.Name ?? "none";
        });
    }

    /// <summary>Containers (records) attached to a network, running or not.</summary>
    public List<Container> NetworkUsers(NetworkRecord n) => Store.All().Where(c => c.Quai.Networks.Any(a => a.NetworkId == n.Id)).ToList();
}

/// <summary>Docker's renderings of published ports.</summary>
public static class PortText
{
    /// <summary>ps's PORTS column: "0.0.0.0:8080->80/tcp, 0.0.0.0:8000-8001->90-91/tcp, 443/tcp" (consecutive ports
    /// as ranges, exposed ports without a binding as "PORT/PROTO").</summary>
    public static string Ps(IReadOnlyList<PortMapping> published, IEnumerable<string> exposed)
    {
        var parts = new List<(string Sort, string Text)>();
        foreach (var g in published.GroupBy(p => (Ip: p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0", p.Protocol)))
        {
            var sorted = g.OrderBy(p => p.ContainerPort).ToList();
            var i = 0;
            while (i < sorted.Count)
            {
                var j = i;
                while (j + 1 < sorted.Count && sorted[j + 1].ContainerPort == sorted[j].ContainerPort + 1 && sorted[j + 1].HostPort == sorted[j].HostPort + 1) j++;
                var c = i == j ? $"{sorted[i].ContainerPort}" : $"{sorted[i].ContainerPort}-{sorted[j].ContainerPort}";
                var h = i == j ? $"{sorted[i].HostPort}" : $"{sorted[i].HostPort}-{sorted[j].HostPort}";
                parts.Add(($"{g.Key.Ip}:{sorted[i].HostPort:D5}", $"{g.Key.Ip}:{h}->{c}/{g.Key.Protocol}"));
                i = j + 1;
            }
        }
        var bound = published.Select(p => $"{p.ContainerPort}/{p.Protocol}").ToHashSet();
        foreach (var e in exposed.Where(e => !bound.Contains(e)))
            parts.Add(("~" + e, e));
        return string.Join(", ", parts.OrderBy(p => p.Sort, StringComparer.Ordinal).Select(p => p.Text));
    }
}
