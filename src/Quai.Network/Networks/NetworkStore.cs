using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Quai.Fs;
using Quai.Interop;
using Quai.Network.Ipam;

namespace Quai.Network.Networks;

/// <summary>Networks and their endpoints on disk:
/// <c>&lt;root&gt;/networks/&lt;id&gt;/network.json</c> and <c>…/endpoints/&lt;container id&gt;.json</c>,
/// all under one lock (<c>networks/.lock</c>, outside what it guards), so that a name, a subnet and an
/// address are each taken once. Records are written atomically (fsync, rename), 0600 in 0700 directories.
/// Network namespace files of containers live in <c>&lt;root&gt;/netns/</c>.</summary>
public sealed class NetworkStore
{
    public string Root { get; }
    public string NetnsDir { get; }

    public NetworkStore(string engineRoot)
    {
        Root = PrivateStore.EnsureDir(Path.Combine(engineRoot, "networks"));
        NetnsDir = PrivateStore.EnsureDir(Path.Combine(engineRoot, "netns"));
    }

    public FileLock Lock() => new(Path.Combine(Root, ".lock"));

    private string Dir(string id) => Path.Combine(Root, id);
    private string EndpointsDir(string id) => Path.Combine(Root, id, "endpoints");

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public List<NetworkRecord> List()
    {
        var list = new List<NetworkRecord>();
        foreach (var d in Directory.EnumerateDirectories(Root))
            if (Load(Path.GetFileName(d)) is { } n) list.Add(n);
        return list.OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
    }

    public NetworkRecord? Load(string id)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(Dir(id), "network.json")), NetworkJsonContext.Default.NetworkRecord); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>By full name, full id or unique id prefix (Docker's lookup order).</summary>
    public NetworkRecord? Find(string nameOrId)
    {
        if (nameOrId.Length == 0) return null;
        var all = List();
        return all.FirstOrDefault(n => n.Name == nameOrId) ?? all.FirstOrDefault(n => n.Id == nameOrId)
            ?? (all.Where(n => n.Id.StartsWith(nameOrId, StringComparison.Ordinal)).ToList() is { Count: 1 } one ? one[0] : null);
    }

    public NetworkRecord Get(string nameOrId) => Find(nameOrId) ?? throw new NetworkNotFoundException($"network {nameOrId} not found");

    /// <summary>Writes a new network's record (the caller holds <see cref="Lock"/> and has checked name and subnets).</summary>
    public void Save(NetworkRecord n)
    {
        Directory.CreateDirectory(Dir(n.Id), PrivateStore.DirMode);
        Directory.CreateDirectory(EndpointsDir(n.Id), PrivateStore.DirMode);
        AtomicFile.Write(Path.Combine(Dir(n.Id), "network.json"), JsonSerializer.SerializeToUtf8Bytes(n, NetworkJsonContext.Default.NetworkRecord));
    }

    /// <summary>Removes a network's record (the caller holds the lock and checked it has no endpoints).</summary>
    public void Delete(string id)
    {
        var trash = Path.Combine(Root, ".trash-" + id);
        Directory.Move(Dir(id), trash); // one rename: the network is gone or not
        Directory.Delete(trash, true);
    }

    public List<Endpoint> Endpoints(string networkId)
    {
        var list = new List<Endpoint>();
        var dir = EndpointsDir(networkId);
        if (!Directory.Exists(dir)) return list;
        foreach (var f in Directory.EnumerateFiles(dir, "*.json"))
        {
            try { if (JsonSerializer.Deserialize(File.ReadAllBytes(f), NetworkJsonContext.Default.Endpoint) is { } e) list.Add(e); }
            catch (Exception e) when (e is IOException or JsonException) { }
        }
        return list;
    }

    public IEnumerable<Endpoint> AllEndpoints() => List().SelectMany(n => Endpoints(n.Id));

    public IEnumerable<Endpoint> EndpointsOf(string containerId) =>
        List().Select(n => LoadEndpoint(n.Id, containerId)).OfType<Endpoint>();

    public Endpoint? LoadEndpoint(string networkId, string containerId)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(EndpointsDir(networkId), containerId + ".json")), NetworkJsonContext.Default.Endpoint); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Records an endpoint (fsync'd) before its interfaces are made.</summary>
    public void SaveEndpoint(Endpoint e) =>
        AtomicFile.Write(Path.Combine(EndpointsDir(e.NetworkId), e.ContainerId + ".json"), JsonSerializer.SerializeToUtf8Bytes(e, NetworkJsonContext.Default.Endpoint));

    public void DeleteEndpoint(string networkId, string containerId)
    {
        try { File.Delete(Path.Combine(EndpointsDir(networkId), containerId + ".json")); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>Addresses in use on a network (IPv4 and IPv6).</summary>
    public HashSet<IPAddress> UsedAddresses(string networkId)
    {
        var set = new HashSet<IPAddress>();
        foreach (var e in Endpoints(networkId))
        {
            if (e.IPv4.Length > 0) set.Add(IPAddress.Parse(e.IPv4));
            if (e.IPv6.Length > 0) set.Add(IPAddress.Parse(e.IPv6));
        }
        return set;
    }
}
