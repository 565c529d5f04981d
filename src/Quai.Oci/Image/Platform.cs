using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Quai.Oci.Image;

/// <summary>The platform an image runs on: os/architecture[/variant].</summary>
public sealed class Platform
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "";
    [JsonPropertyName("os.version")] public string? OsVersion { get; set; }
    [JsonPropertyName("os.features")] public List<string>? OsFeatures { get; set; }
    [JsonPropertyName("variant")] public string? Variant { get; set; }

    public override string ToString() => Variant is { Length: > 0 } ? $"{Os}/{Architecture}/{Variant}" : $"{Os}/{Architecture}";

    /// <summary>The platform of this machine, as Go names it (linux/amd64, linux/arm64/v8…).</summary>
    public static Platform Host()
    {
        var arch = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.S390x => "s390x",
            System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
            System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
            System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
            var a => a.ToString().ToLowerInvariant(),
        };
        return new Platform { Os = "linux", Architecture = arch, Variant = arch == "arm64" ? "v8" : null };
    }

    /// <summary>Parses <c>os[/arch[/variant]]</c> (e.g. <c>linux/arm64/v8</c>); arch aliases are normalised.</summary>
    public static Platform Parse(string value)
    {
        var parts = value.Split('/');
        if (parts.Length is < 1 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
            throw new FormatException($"invalid platform \"{value}\": expected os[/arch[/variant]]");
        var host = Host();
        var p = new Platform { Os = parts[0].ToLowerInvariant(), Architecture = parts.Length > 1 ? parts[1].ToLowerInvariant() : host.Architecture };
        if (parts.Length > 2) p.Variant = parts[2].ToLowerInvariant();
        (p.Architecture, p.Variant) = NormaliseArch(p.Architecture, p.Variant);
        return p;
    }

    private static (string, string?) NormaliseArch(string arch, string? variant) => arch switch
    {
        "x86_64" or "x86-64" => ("amd64", null),
        "aarch64" => ("arm64", variant is null or "8" ? "v8" : variant),
        "arm64" => ("arm64", variant is null or "8" ? "v8" : variant),
        "i386" => ("386", null),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        _ => (arch, variant),
    };

    /// <summary>True when an image built for <paramref name="candidate"/> satisfies this platform request.</summary>
    public bool Matches(Platform? candidate)
    {
        if (candidate is null) return false;
        if (!string.Equals(Os, candidate.Os, StringComparison.OrdinalIgnoreCase)) return false;
        var (ca, cv) = NormaliseArch(candidate.Architecture.ToLowerInvariant(), candidate.Variant?.ToLowerInvariant());
        if (ca != Architecture) return false;
        return Variant is null || cv is null || Variant == cv;
    }
}
