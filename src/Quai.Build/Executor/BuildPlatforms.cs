using Quai.Oci.Image;

namespace Quai.Build.Executor;

/// <summary><c>--platform</c> and <c>FROM --platform</c> values, the predefined platform ARGs, and whether
/// this host can run a platform's programs: natively, or through a binfmt_misc handler of Debian's
/// qemu-user-static registered with the F (fix-binary) flag, which the kernel opens at registration and
/// so finds inside a container's mount namespace too.</summary>
public static class BuildPlatforms
{
    /// <summary>Go's architectures (what containerd and BuildKit know).</summary>
    private static readonly HashSet<string> KnownArchitectures =
    [
        "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips", "mipsle",
        "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
    ];

    private static readonly HashSet<string> KnownOses =
    [
        "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd",
        "plan9", "solaris", "wasip1", "windows", "zos",
    ];

    /// <summary>The platforms of <c>--platform a,b</c> (the flag may repeat), in order, without duplicates.</summary>
    /// <exception cref="FormatException">a value that is no platform, or one no Linux build can make.</exception>
    public static List<Platform> ParseList(IEnumerable<string>? values)
    {
        var list = new List<Platform>();
        foreach (var v in (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var p = Parse(v);
            if (!list.Any(e => e.ToString() == p.ToString())) list.Add(p);
        }
        return list;
    }

    /// <summary>One platform, <c>os[/arch[/variant]]</c> or a bare architecture (<c>arm64</c>: linux/arm64),
    /// containerd's aliases normalised (aarch64, x86_64, armhf…).</summary>
    /// <exception cref="FormatException">as BuildKit's "failed to parse platform" errors.</exception>
    public static Platform Parse(string value)
    {
        var parts = value.Split('/');
        foreach (var part in parts)
            if (part.Length == 0 || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                throw new FormatException($"failed to parse platform {value}: \"{part}\" is an invalid component of \"{value}\": platform specifier component must match \"^[A-Za-z0-9_-]+$\"");
        if (parts.Length > 3) throw new FormatException($"failed to parse platform {value}: \"{value}\": cannot parse platform specifier");
        var first = parts[0].ToLowerInvariant();
        if (parts.Length == 1 && !KnownOses.Contains(first))
        {
            if (!KnownArchitectures.Contains(Normalise(first))) throw new FormatException($"failed to parse platform {value}: \"{value}\": unknown operating system or architecture");
            value = "linux/" + value;
        }
        var p = Platform.Parse(value);
        if (!KnownOses.Contains(p.Os)) throw new FormatException($"failed to parse platform {value}: unknown operating system \"{p.Os}\"");
        if (!KnownArchitectures.Contains(p.Architecture)) throw new FormatException($"failed to parse platform {value}: unknown architecture \"{p.Architecture}\"");
        if (p.Os != "linux") throw new FormatException($"platform {value} is not supported: Quai builds Linux images");
        if (p.Architecture == "arm" && p.Variant is null) p.Variant = "v7";
        return p;
    }

    private static string Normalise(string arch) => arch switch
    {
        "x86_64" or "x86-64" => "amd64", "aarch64" => "arm64", "i386" => "386", "armhf" or "armel" => "arm", _ => arch,
    };

    /// <summary>How BuildKit prints a platform in TARGETPLATFORM and friends: linux/arm64 (no v8), linux/arm/v7.</summary>
    public static string Format(Platform p) => p.Variant is { Length: > 0 } v && !(p.Architecture == "arm64" && v == "v8")
        ? $"{p.Os}/{p.Architecture}/{v}" : $"{p.Os}/{p.Architecture}";

    /// <summary>The variant BuildKit puts in TARGETVARIANT ("" for arm64's implied v8).</summary>
    public static string VariantArg(Platform p) => p.Architecture == "arm64" && p.Variant == "v8" ? "" : p.Variant ?? "";

    /// <summary>The predefined ARGs <c>{prefix}PLATFORM</c>, <c>OS</c>, <c>ARCH</c>, <c>VARIANT</c> of a platform.</summary>
    public static void AddArgs(Dictionary<string, string> args, string prefix, Platform p)
    {
        args[prefix + "PLATFORM"] = Format(p);
        args[prefix + "OS"] = p.Os;
        args[prefix + "ARCH"] = p.Architecture;
        args[prefix + "VARIANT"] = VariantArg(p);
    }

    /// <summary>The name qemu (and its binfmt_misc handler, qemu-NAME) gives an architecture.</summary>
    public static string QemuName(string arch) => arch switch
    {
        "amd64" => "x86_64", "386" => "i386", "arm64" => "aarch64", "mips64le" => "mips64el", "mipsle" => "mipsel",
        "loong64" => "loongarch64", "arm64be" => "aarch64_be", "armbe" => "armeb", _ => arch,
    };

    /// <summary>Where the kernel's binfmt_misc handlers are listed.</summary>
    public const string BinfmtDir = "/proc/sys/fs/binfmt_misc";

    /// <summary>Null when this host runs <paramref name="p"/>'s programs (natively, or through an enabled
    /// qemu binfmt_misc handler with the F flag); else why not and what to install.</summary>
    public static string? CannotRun(Platform p)
    {
        var host = Platform.Host();
        if (p.Os != host.Os) return $"cannot run {Format(p)} programs on this {Format(host)} host";
        if (p.Architecture == host.Architecture || host.Architecture == "amd64" && p.Architecture == "386") return null;
        var name = "qemu-" + QemuName(p.Architecture);
        var fix = $"install qemu-user-static (apt-get install qemu-user-static) and register its binfmt_misc handlers with the F flag (systemd-binfmt, or scripts/setup.sh)";
        var why = $"cannot run {Format(p)} programs on this {Format(host)} host";
        if (!File.Exists(Path.Combine(BinfmtDir, "register"))) return $"{why}: binfmt_misc is not mounted at {BinfmtDir}; {fix}";
        string[] lines;
        try { lines = File.ReadAllLines(Path.Combine(BinfmtDir, name)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"{why}: no binfmt_misc handler {name} is registered (no emulator); {fix}"; }
        if (!lines.Contains("enabled")) return $"{why}: the binfmt_misc handler {name} is disabled; enable it (echo 1 > {BinfmtDir}/{name})";
        var flags = lines.FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal))?["flags:".Length..].Trim() ?? "";
        if (!flags.Contains('F'))
            return $"{why}: the binfmt_misc handler {name} is registered without the F (fix-binary) flag, so its emulator cannot be found inside a container; re-register it with F";
        return null;
    }
}
