using System.Text.Json.Serialization;

namespace Quai.Network.Networks;

/// <summary>A network as the store keeps it (&lt;root&gt;/networks/&lt;id&gt;/network.json) and as
/// `network inspect` shows it: Docker's field names. Containers are filled from the endpoint records.</summary>
public sealed class NetworkRecord
{
    public string Name { get; set; } = "";
    public string Id { get; set; } = "";
    public string Created { get; set; } = "";
    public string Scope { get; set; } = "local";
    public string Driver { get; set; } = "bridge";
    public bool EnableIPv4 { get; set; } = true;
    public bool EnableIPv6 { get; set; }
    public IpamInfo IPAM { get; set; } = new();
    public bool Internal { get; set; }
    public bool Attachable { get; set; }
    public bool Ingress { get; set; }
    public ConfigFrom ConfigFrom { get; set; } = new();
    public bool ConfigOnly { get; set; }
    public Dictionary<string, EndpointInfo> Containers { get; set; } = [];
    public Dictionary<string, string> Options { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>The host interface: the bridge of a bridge network, the parent of macvlan/ipvlan.</summary>
    [JsonIgnore] public string Interface => Driver == "bridge" ? Options.GetValueOrDefault(BridgeNameOption) ?? "br-" + Id[..12] : Options.GetValueOrDefault("parent") ?? "";
    public const string BridgeNameOption = "com.docker.network.bridge.name";
    /// <summary>The predefined networks (bridge, host, none) cannot be removed.</summary>
    [JsonIgnore] public bool Predefined => Name is "bridge" or "host" or "none";
}

public sealed class IpamInfo
{
    public string Driver { get; set; } = "default";
    public Dictionary<string, string> Options { get; set; } = [];
    public List<IpamConfig> Config { get; set; } = [];
}

public sealed class IpamConfig
{
    public string Subnet { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? IPRange { get; set; }
    public string Gateway { get; set; } = "";
}

public sealed class ConfigFrom
{
    public string Network { get; set; } = "";
}

/// <summary>A container on the network, as `network inspect` lists it.</summary>
public sealed class EndpointInfo
{
    public string Name { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public string MacAddress { get; set; } = "";
    public string IPv4Address { get; set; } = "";
    public string IPv6Address { get; set; } = "";
}

/// <summary>A container's attachment to a network (&lt;root&gt;/networks/&lt;id&gt;/endpoints/&lt;container id&gt;.json),
/// written and fsync'd before any interface exists, so whoever finds it can remove what it names.</summary>
public sealed class Endpoint
{
    public string NetworkId { get; set; } = "";
    public string ContainerId { get; set; } = "";
    public string ContainerName { get; set; } = "";
    public string EndpointId { get; set; } = "";
    public string IPv4 { get; set; } = "";
    public string IPv6 { get; set; } = "";
    public string Mac { get; set; } = "";
    /// <summary>The host end of the veth pair (bridge driver).</summary>
    public string HostInterface { get; set; } = "";
    public string NetnsPath { get; set; } = "";
    public List<string> Aliases { get; set; } = [];
    public List<PortMapping> Ports { get; set; } = [];
}

/// <summary>One published port: host address and port to container port and protocol.</summary>
public sealed class PortMapping
{
    public string HostIp { get; set; } = "";
    public int HostPort { get; set; }
    public int ContainerPort { get; set; }
    public string Protocol { get; set; } = "tcp";
}

[JsonSourceGenerationOptions(WriteIndented = true, IndentSize = 4)]
[JsonSerializable(typeof(NetworkRecord))]
[JsonSerializable(typeof(List<NetworkRecord>))]
[JsonSerializable(typeof(Endpoint))]
public sealed partial class NetworkJsonContext : JsonSerializerContext;
