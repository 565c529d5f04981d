namespace Quai.Network.Firewall;

/// <summary>Applies a ruleset with one `nft -f -` (Debian's nftables): the whole change is one
/// kernel transaction. Later: the same messages over NETLINK_NETFILTER, without the exec.</summary>
public static class Nft
{
    public static string Binary => Environment.GetEnvironmentVariable("QUAI_NFT") is { Length: > 0 } b ? b
        : new[] { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" }.FirstOrDefault(File.Exists) ?? "nft";

    /// <param name="run">how to run nft (default: <see cref="HostCommands.WithProcess"/>)</param>
    public static void Apply(string ruleset, HostCommand? run = null)
    {
        (int Exit, string Stdout, string Stderr) r;
        try { r = (run ?? HostCommands.WithProcess)(Binary, ["-f", "-"], ruleset); }
        catch (IOException e) { throw new IOException($"apply firewall rules: {e.Message}; install Debian's nftables", e); }
        if (r.Exit != 0) throw new IOException($"apply firewall rules (nft -f -): {r.Stderr.Trim()}");
    }
}
