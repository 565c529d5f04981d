using System.Security.Cryptography;

namespace Quai.Oci.Image;

/// <summary>A content digest, <c>sha256:&lt;64 lowercase hex&gt;</c>. Only sha256 is accepted:
/// it is what every image we read or write uses, and accepting an algorithm we cannot verify
/// would let unverified content into the store.</summary>
public readonly record struct Digest
{
    public const string Sha256 = "sha256";

    public string Algorithm { get; }
    public string Hex { get; }

    private Digest(string algorithm, string hex) { Algorithm = algorithm; Hex = hex; }

    /// <summary>The 12-hex short form Docker prints as IMAGE ID.</summary>
    public string Short => Hex[..12];

    public override string ToString() => Algorithm is null ? "" : $"{Algorithm}:{Hex}";

    public static Digest Parse(string value)
        => TryParse(value, out var d, out var error) ? d : throw new FormatException($"invalid digest \"{value}\": {error}");

    public static bool TryParse(string? value, out Digest digest) => TryParse(value, out digest, out _);

    public static bool TryParse(string? value, out Digest digest, out string error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value)) { error = "empty"; return false; }
        int colon = value.IndexOf(':');
        if (colon <= 0) { error = "missing algorithm (expected sha256:<hex>)"; return false; }
        var alg = value[..colon];
        var hex = value[(colon + 1)..];
        if (alg != Sha256) { error = $"unsupported digest algorithm \"{alg}\""; return false; }
        if (!IsHex(hex, 64)) { error = "sha256 digest must be 64 lowercase hex characters"; return false; }
        digest = new Digest(alg, hex);
        error = "";
        return true;
    }

    /// <summary>Builds a digest from a bare 64-hex string (image IDs are often written this way).</summary>
    public static Digest FromHex(string hex)
        => IsHex(hex, 64) ? new Digest(Sha256, hex) : throw new FormatException($"invalid sha256 hex \"{hex}\"");

    public static Digest FromHash(ReadOnlySpan<byte> sha256) => new(Sha256, Convert.ToHexStringLower(sha256));

    public static Digest Compute(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    public static Digest Compute(Stream stream) => FromHash(SHA256.HashData(stream));

    /// <summary>True when <paramref name="s"/> is exactly <paramref name="length"/> lowercase hex characters
    /// (any length when length is -1).</summary>
    public static bool IsHex(ReadOnlySpan<char> s, int length = -1)
    {
        if (length >= 0 && s.Length != length) return false;
        if (s.Length == 0) return false;
        foreach (var c in s)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        return true;
    }
}
