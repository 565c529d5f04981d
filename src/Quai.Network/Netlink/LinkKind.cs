namespace Quai.Network.Netlink;

/// <summary>What a new link is: its kind and the attributes of its IFLA_INFO_DATA.</summary>
public abstract record LinkKind(string Kind)
{
    public sealed record Bridge() : LinkKind("bridge");
    public sealed record Dummy() : LinkKind("dummy");
    /// <summary>A veth pair; the peer is created with <paramref name="PeerName"/> directly in the
    /// namespace of <paramref name="PeerNetnsFd"/> (-1: this namespace).</summary>
    public sealed record Veth(string PeerName, int PeerNetnsFd = -1, string? PeerMac = null) : LinkKind("veth");
    public sealed record Macvlan(int ParentIndex, uint Mode = Nl.MACVLAN_MODE_BRIDGE) : LinkKind("macvlan");
    public sealed record Ipvlan(int ParentIndex, ushort Mode = Nl.IPVLAN_MODE_L2) : LinkKind("ipvlan");
}

/// <summary>A link as a dump reports it.</summary>
public sealed record LinkInfo(int Index, string Name, uint Flags, int Mtu, int Master, string? Kind, byte[]? Mac)
{
    public bool Up => (Flags & Nl.IFF_UP) != 0;
    public string MacText => Mac is null ? "" : string.Join(':', Mac.Select(b => b.ToString("x2")));
}
