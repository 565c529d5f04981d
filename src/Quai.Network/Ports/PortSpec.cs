using System.Net;
using Quai.Network.Networks;

namespace Quai.Network.Ports;

/// <summary>Docker's -p syntax: <c>[ip:][hostPort[-end]:]containerPort[-end][/tcp|udp|sctp]</c>, an IPv6
/// host address in brackets. One mapping per container port; host port 0 means "pick one".</summary>
public static class PortSpec
{
    public static List<PortMapping> Parse(string spec)
    {
        var proto = "tcp";
        var body = spec;
        var slash = spec.LastIndexOf('/');
        if (slash >= 0) { proto = spec[(slash + 1)..]; body = spec[..slash]; }
        if (proto is not ("tcp" or "udp" or "sctp")) throw new NetworkUsageException($"invalid proto: {proto}");
        string ip = "", host = "", container;
        if (body.StartsWith('['))
        {
            var close = body.IndexOf(']');
            if (close < 0 || close + 1 >= body.Length || body[close + 1] != ':') throw new NetworkUsageException($"invalid IP address: {body}");
            ip = body[1..close];
            var rest = body[(close + 2)..].Split(':');
            if (rest.Length != 2) throw new NetworkUsageException($"invalid port format: {spec}");
            (host, container) = (rest[0], rest[1]);
        }
        else
        {
            var parts = body.Split(':');
            switch (parts.Length)
            {
                case 1: container = parts[0]; break;
                case 2: (host, container) = (parts[0], parts[1]); break;
                case 3: (ip, host, container) = (parts[0], parts[1], parts[2]); break;
                default: throw new NetworkUsageException($"invalid port format: {spec}");
            }
        }
        if (ip.Length > 0 && (!IPAddress.TryParse(ip, out _) || !ip.Contains(':') && ip.Count(c => c == '.') != 3)) throw new NetworkUsageException($"invalid IP address: {ip}");
        if (container.Length == 0) throw new NetworkUsageException($"no port specified: {spec}<empty>");
        var (cStart, cEnd) = Range(container) ?? throw new NetworkUsageException($"invalid containerPort: {container}");
        int hStart = 0, hEnd = 0;
        if (host.Length > 0) (hStart, hEnd) = Range(host) ?? throw new NetworkUsageException($"invalid hostPort: {host}");
        var cCount = cEnd - cStart;
        if (host.Length > 0 && hEnd - hStart != cCount && !(cCount == 0))
            throw new NetworkUsageException($"invalid ranges specified for container and host Ports: {container} and {host}");
        var list = new List<PortMapping>();
        for (var i = 0; i <= cCount; i++)
        {
            // a host range for one container port: any one port of the range (the first free, at allocation)
            var hp = host.Length == 0 ? 0 : cCount == 0 && hEnd > hStart ? -(hStart * 65536 + hEnd) : hStart + i;
            list.Add(new PortMapping { HostIp = ip, HostPort = hp, ContainerPort = cStart + i, Protocol = proto });
        }
        return list;
    }

    private static (int, int)? Range(string s)
    {
        var d = s.IndexOf('-');
        var a = d < 0 ? s : s[..d];
        var b = d < 0 ? s : s[(d + 1)..];
        if (!int.TryParse(a, out var x) || !int.TryParse(b, out var y) || x < 1 || y > 65535 || y < x) return null;
        if (a.Any(c => !char.IsAsciiDigit(c)) || b.Any(c => !char.IsAsciiDigit(c))) return null;
        return (x, y);
    }

    /// <summary>A mapping's "80/tcp" key, as Docker's NetworkSettings.Ports and PortBindings use.</summary>
    public static string Key(PortMapping p) => $"{p.ContainerPort}/{p.Protocol}";
}
