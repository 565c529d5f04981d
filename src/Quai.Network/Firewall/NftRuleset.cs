using System.Text;
using Quai.Network.Networks;

namespace Quai.Network.Firewall;

/// <summary>Renders Quai's whole firewall as one nftables transaction from the records: its own
/// tables (<c>ip quai</c>, <c>ip6 quai</c>) replaced atomically, nothing else touched. Derived
/// from the store each time, so a rule can never outlive the network or endpoint it came from.
/// <list type="bullet">
/// <item>nat prerouting/output: traffic to a local address jumps to <c>published</c>, which DNATs each published port;</item>
/// <item>nat postrouting: outbound masquerade per non-internal network, masquerade of DNAT'd traffic that
/// enters a bridge from 127.0.0.0/8 (route_localnet is set on the bridge) or from the same subnet (hairpin);</item>
/// <item>filter forward: no traffic between two Quai bridges, none in or out of an internal network.</item>
/// </list></summary>
public static class NftRuleset
{
    public const string Table = "quai";

    public sealed record Net(string Interface, IReadOnlyList<Subnet> Subnets, bool Internal);
    public sealed record Published(Subnet? HostIp, int HostPort, string Protocol, System.Net.IPAddress Target, int TargetPort);

    public static string Render(IReadOnlyList<Net> networks, IReadOnlyList<Published> ports)
    {
        var sb = new StringBuilder();
        foreach (var v6 in new[] { false, true })
        {
            var fam = v6 ? "ip6" : "ip";
            var localnet = v6 ? "::1/128" : "127.0.0.0/8";
            sb.Append($"table {fam} {Table}\ndelete table {fam} {Table}\ntable {fam} {Table} {{\n");
            sb.Append("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tfib daddr type local jump published\n\t}\n");
            sb.Append("\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tfib daddr type local jump published\n\t}\n");
            sb.Append("\tchain published {\n");
            foreach (var p in ports.Where(p => p.Target.AddressFamily == (v6 ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork)))
            {
                var match = p.HostIp is { Prefix: > 0 } h ? $"{fam} daddr {h.Address} " : "";
                var target = v6 ? $"[{p.Target}]:{p.TargetPort}" : $"{p.Target}:{p.TargetPort}";
                sb.Append($"\t\t{match}{p.Protocol} dport {p.HostPort} dnat to {target}\n");
            }
            sb.Append("\t}\n");
            sb.Append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
            foreach (var n in networks)
                foreach (var s in n.Subnets.Where(s => s.IsV6 == v6))
                {
                    if (!n.Internal) sb.Append($"\t\t{fam} saddr {s} oifname != {Q(n.Interface)} masquerade\n");
                    sb.Append($"\t\toifname {Q(n.Interface)} ct status dnat {fam} saddr {s} masquerade\n");
                    sb.Append($"\t\toifname {Q(n.Interface)} ct status dnat {fam} saddr {localnet} masquerade\n");
                }
            sb.Append("\t}\n");
            sb.Append("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
            foreach (var n in networks.Where(n => n.Subnets.Any(s => s.IsV6 == v6)))
            {
                if (n.Internal)
                {
                    sb.Append($"\t\tiifname {Q(n.Interface)} oifname != {Q(n.Interface)} drop\n");
                    sb.Append($"\t\toifname {Q(n.Interface)} iifname != {Q(n.Interface)} drop\n");
                }
                var others = networks.Where(o => o != n).Select(o => Q(o.Interface)).ToList();
                if (others.Count > 0) sb.Append($"\t\tiifname {Q(n.Interface)} oifname {{ {string.Join(", ", others)} }} drop\n");
            }
            sb.Append("\t}\n}\n");
        }
        return sb.ToString();
    }

    /// <summary>Removes both tables (nothing of Quai's left on the host).</summary>
    public static string RenderDelete() => $"table ip {Table}\ndelete table ip {Table}\ntable ip6 {Table}\ndelete table ip6 {Table}\n";

    private static string Q(string iface) =>
        iface.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? $"\"{iface}\"" : throw new ArgumentException($"invalid interface name: {iface}");
}
