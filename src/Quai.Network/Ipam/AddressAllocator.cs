using System.Net;
using System.Numerics;

namespace Quai.Network.Ipam;

/// <summary>Picks addresses in a pool: a subnet, optionally narrowed by an --ip-range, never the
/// network address, the IPv4 broadcast, the gateway or one in use. The search starts after the last
/// address handed out (as Docker's bitmap allocator does), so a just-freed address is not reused at once.</summary>
public static class AddressAllocator
{
    public static IPAddress? Next(Subnet subnet, Subnet? range, IPAddress? gateway, IReadOnlySet<IPAddress> used, IPAddress? last = null)
    {
        var scope = range ?? subnet;
        var first = BigInteger.Max(scope.First, subnet.First + 1);
        var end = BigInteger.Min(scope.Last, subnet.IsV6 ? subnet.Last : subnet.Last - 1);
        if (first > end) return null;
        var count = end - first + 1;
        var start = last is not null && scope.Contains(last) ? Subnet.ToNumber(last) + 1 : first;
        if (start > end) start = first;
        // a pool of a /8 or an IPv6 /64 is large: stop after as many probes as there are addresses in use, plus one
        var probes = BigInteger.Min(count, used.Count + 2 + (gateway is null ? 0 : 1));
        for (BigInteger i = 0; i < probes; i++)
        {
            var n = first + (start - first + i) % count;
            var ip = Subnet.FromNumber(n, subnet.Bits);
            if (ip.Equals(gateway) || used.Contains(ip)) continue;
            return ip;
        }
        return null;
    }

    /// <summary>Checks a static address (--ip): in the subnet (and range), not the network, broadcast or gateway, not in use.</summary>
    public static string? CheckStatic(Subnet subnet, IPAddress ip, IPAddress? gateway, IReadOnlySet<IPAddress> used)
    {
        if (!subnet.Contains(ip)) return $"no configured subnet or ip-range contain the IP address {ip}";
        var n = Subnet.ToNumber(ip);
        if (n == subnet.First || (!subnet.IsV6 && n == subnet.Last) || ip.Equals(gateway) || used.Contains(ip))
            return $"Address already in use";
        return null;
    }
}
