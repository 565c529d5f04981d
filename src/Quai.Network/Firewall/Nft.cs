using System.Diagnostics;

namespace Quai.Network.Firewall;

/// <summary>Applies a ruleset with one `nft -f -` (Debian's nftables): the whole change is one
/// kernel transaction. Later: the same messages over NETLINK_NETFILTER, without the exec.</summary>
public static class Nft
{
    public static string Binary => Environment.GetEnvironmentVariable("QUAI_NFT") is { Length: > 0 } b ? b
        : new[] { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" }.FirstOrDefault(File.Exists) ?? "nft";

    public static void Apply(string ruleset)
    {
        var psi = new ProcessStartInfo(Binary) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("-");
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"apply firewall rules: cannot run {Binary} ({e.Message}); install Debian's nftables", e); }
        using (p)
        {
            p.StandardInput.Write(ruleset);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new IOException($"apply firewall rules (nft -f -): {err.Result.Trim()}");
        }
    }
}
