using System.Net;
using System.Net.Sockets;
using Quai.Network.Networks;

namespace Quai.Network.Ports;

/// <summary>Host ports: a requested one must be free (neither published by another container nor
/// bound by a host process); port 0 (or a host range) takes the first free one from Docker's range
/// 32768–60999 (or the given range).</summary>
public static class HostPorts
{
    public const int EphemeralFirst = 32768, EphemeralLast = 60999;

    public static List<PortMapping> Allocate(IReadOnlyList<PortMapping> wanted, IReadOnlyList<PortMapping> inUse)
    {
        var taken = inUse.Select(p => (p.HostIp, p.HostPort, p.Protocol)).ToList();
        bool Clash(string ip, int port, string proto) => taken.Any(t => t.HostPort == port && t.Protocol == proto &&
            (t.HostIp is "" or "0.0.0.0" || ip is "" or "0.0.0.0" || t.HostIp == ip));
        var result = new List<PortMapping>();
        foreach (var w in wanted)
        {
            var p = new PortMapping { HostIp = w.HostIp, HostPort = w.HostPort, ContainerPort = w.ContainerPort, Protocol = w.Protocol };
            var shown = p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0";
            if (p.HostPort > 0)
            {
                if (Clash(p.HostIp, p.HostPort, p.Protocol)) throw new NetworkConflictException($"Bind for {shown}:{p.HostPort} failed: port is already allocated");
                if (!HostPortFree(p.HostIp, p.HostPort, p.Protocol))
                    throw new NetworkConflictException($"failed to bind host port for {shown}:{p.HostPort}:{p.ContainerPort}/{p.Protocol}: address already in use");
            }
            else
            {
                var (first, last) = p.HostPort < 0 ? (-p.HostPort / 65536, -p.HostPort % 65536) : (EphemeralFirst, EphemeralLast);
                var start = first + Random.Shared.Next(last - first + 1);
                var found = 0;
                for (var i = 0; i <= last - first && found == 0; i++)
                {
                    var port = first + (start - first + i) % (last - first + 1);
                    if (!Clash(p.HostIp, port, p.Protocol) && HostPortFree(p.HostIp, port, p.Protocol)) found = port;
                }
                if (found == 0) throw new NetworkConflictException($"Bind for {shown}:{first}-{last} failed: port is already allocated");
                p.HostPort = found;
            }
            taken.Add((p.HostIp, p.HostPort, p.Protocol));
            result.Add(p);
        }
        return result;
    }

    /// <summary>True when no process of this namespace has the port bound (a bind attempt, closed at once).</summary>
    public static bool HostPortFree(string ip, int port, string proto)
    {
        if (proto == "sctp") return true;
        var addr = ip.Length > 0 ? IPAddress.Parse(ip) : IPAddress.Any;
        try
        {
            using var s = new Socket(addr.AddressFamily, proto == "udp" ? SocketType.Dgram : SocketType.Stream, proto == "udp" ? ProtocolType.Udp : ProtocolType.Tcp);
            s.Bind(new IPEndPoint(addr, port));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse) { return false; }
        catch (SocketException) { return true; } // an address this namespace does not have: the DNAT rule still applies
    }
}
