using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Quai.Network;

/// <summary>An IPv4 or IPv6 prefix, normalised to its network address ("172.18.0.0/16").</summary>
public sealed record Subnet(IPAddress Address, int Prefix)
{
    public bool IsV6 => Address.AddressFamily == AddressFamily.InterNetworkV6;
    public int Bits => IsV6 ? 128 : 32;

    /// <summary>Parses "a.b.c.d/n" or "x::/n"; the host bits are cleared (Docker accepts 172.20.1.5/16 as 172.20.0.0/16).</summary>
    public static Subnet Parse(string text)
    {
        if (!TryParse(text, out var s)) throw new FormatException($"invalid CIDR address: {text}");
        return s!;
    }

    public static bool TryParse(string text, out Subnet? subnet)
    {
        subnet = null;
        var slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var ip) || !int.TryParse(text[(slash + 1)..], out var prefix)) return false;
        if (ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        var bits = ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (prefix < 0 || prefix > bits) return false;
        subnet = new Subnet(FromNumber(ToNumber(ip) & Mask(prefix, bits), bits), prefix);
        return true;
    }

    private static BigInteger Mask(int prefix, int bits) =>
        prefix == 0 ? BigInteger.Zero : ((BigInteger.One << prefix) - 1) << (bits - prefix);

    public static BigInteger ToNumber(IPAddress ip) => new(ip.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    public static IPAddress FromNumber(BigInteger n, int bits)
    {
        var len = bits / 8;
        var b = n.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[len];
        b.AsSpan(Math.Max(0, b.Length - len)).CopyTo(full.AsSpan(len - Math.Min(len, b.Length)));
        return new IPAddress(full);
    }

    public BigInteger First => ToNumber(Address);
    public BigInteger Last => First + (BigInteger.One << (Bits - Prefix)) - 1;
    public IPAddress Broadcast => FromNumber(Last, Bits);

    public bool Contains(IPAddress ip) =>
        ip.AddressFamily == Address.AddressFamily && ToNumber(ip) >= First && ToNumber(ip) <= Last;

    public bool Contains(Subnet other) => other.IsV6 == IsV6 && other.First >= First && other.Last <= Last;

    public bool Overlaps(Subnet other) => other.IsV6 == IsV6 && other.First <= Last && First <= other.Last;

    /// <summary>The n-th address of the subnet (1: what Docker makes the gateway).</summary>
    public IPAddress At(BigInteger n) => FromNumber(First + n, Bits);

    public override string ToString() => $"{Address}/{Prefix}";
}
