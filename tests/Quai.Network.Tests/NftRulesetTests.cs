using System.Net;
using Quai.Network;
using Quai.Network.Firewall;

namespace Quai.Network.Tests;

public class NftRulesetTests
{
    private static readonly NftRuleset.Net A = new("br-a", [Subnet.Parse("172.18.0.0/16")], false);
    private static readonly NftRuleset.Net B = new("br-b", [Subnet.Parse("172.19.0.0/16")], true);

    [Fact]
    public void OnlyQuaisOwnTablesAreReplaced()
    {
        var text = NftRuleset.Render([A], []);
        var tableLines = text.Split('\n').Where(l => l.StartsWith("table") || l.StartsWith("delete") || l.StartsWith("flush")).ToList();
        Assert.Equal(["table ip quai", "delete table ip quai", "table ip quai {", "table ip6 quai", "delete table ip6 quai", "table ip6 quai {"], tableLines);
        Assert.DoesNotContain("flush ruleset", text);
    }

    [Fact]
    public void MasqueradeIsolationAndInternal()
    {
        var text = NftRuleset.Render([A, B], []);
        Assert.Contains("ip saddr 172.18.0.0/16 oifname != \"br-a\" masquerade", text);
        Assert.DoesNotContain("ip saddr 172.19.0.0/16 oifname != \"br-b\" masquerade", text); // internal: no way out
        Assert.Contains("iifname \"br-b\" oifname != \"br-b\" drop", text);
        Assert.Contains("iifname \"br-a\" oifname { \"br-b\" } drop", text);
        Assert.Contains("iifname \"br-b\" oifname { \"br-a\" } drop", text);
    }

    [Fact]
    public void PublishedPortsAreDnatedFromLocalAddresses()
    {
        var text = NftRuleset.Render([A], [new(null, 8080, "tcp", IPAddress.Parse("172.18.0.2"), 80), new(Subnet.Parse("127.0.0.1/32"), 5353, "udp", IPAddress.Parse("172.18.0.3"), 53)]);
        Assert.Contains("fib daddr type local jump published", text);
        Assert.Contains("\t\ttcp dport 8080 dnat to 172.18.0.2:80\n", text);
        Assert.Contains("\t\tip daddr 127.0.0.1 udp dport 5353 dnat to 172.18.0.3:53\n", text);
        Assert.Contains("oifname \"br-a\" ct status dnat ip saddr 127.0.0.0/8 masquerade", text);
        Assert.Contains("oifname \"br-a\" ct status dnat ip saddr 172.18.0.0/16 masquerade", text); // hairpin
    }

    [Fact]
    public void InterfaceNamesCannotInjectRules() =>
        Assert.Throws<ArgumentException>(() => NftRuleset.Render([new("x\" accept; #", [Subnet.Parse("10.0.0.0/8")], false)], []));
}
