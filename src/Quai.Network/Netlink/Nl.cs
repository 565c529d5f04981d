namespace Quai.Network.Netlink;

/// <summary>rtnetlink numbers (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h).</summary>
public static class Nl
{
    public const int AF_NETLINK = 16, NETLINK_ROUTE = 0, NETLINK_NETFILTER = 12;
    public const byte AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10, AF_BRIDGE = 7;

    public const ushort NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200,
        NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    public const ushort NLA_F_NESTED = 0x8000;

    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19,
        RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;

    public const ushort IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10,
        IFLA_LINKINFO = 18, IFLA_NET_NS_PID = 19, IFLA_NET_NS_FD = 28;
    public const ushort IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2;
    public const ushort VETH_INFO_PEER = 1;
    public const ushort IFLA_MACVLAN_MODE = 1, IFLA_IPVLAN_MODE = 1;
    public const uint MACVLAN_MODE_PRIVATE = 1, MACVLAN_MODE_VEPA = 2, MACVLAN_MODE_BRIDGE = 4, MACVLAN_MODE_PASSTHRU = 8;
    public const ushort IPVLAN_MODE_L2 = 0, IPVLAN_MODE_L3 = 1, IPVLAN_MODE_L3S = 2;

    public const uint IFF_UP = 0x1;

    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4;
    public const byte IFA_F_NODAD = 0x02;

    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6;
    public const byte RT_TABLE_MAIN = 254, RTPROT_BOOT = 3, RTPROT_STATIC = 4, RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253,
        RT_SCOPE_HOST = 254, RTN_UNICAST = 1, RTN_LOCAL = 2;
}
