using System.Reflection;
using System.Runtime.InteropServices;

namespace Quai.Cli.Commands.Sys;

/// <summary>What this binary is: the version of Directory.Build.props, the git commit the SDK stamped into the
/// informational version (<c>0.1.0+sha</c>; "unknown" when built outside git), when it was built (the executable's
/// modification time) and the platform.</summary>
public static class BuildInfo
{
    /// <summary>The API version of Docker 28.0, whose CLI Quai behaves like (scripts compare it).</summary>
    public const string ApiVersion = "1.48", MinApiVersion = "1.24";

    private static string Informational =>
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string Version => Informational.Split('+')[0];

    public static string GitCommit => Informational.Split('+') is [_, var sha, ..] && sha.Length >= 7 ? sha[..7] : "unknown";

    public static string Runtime => "dotnet" + Environment.Version.ToString(3);

    public static string Os => "linux";

    /// <summary>Go's GOARCH names (amd64, arm64…), as Docker prints them.</summary>
    public static string Arch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>The executable's modification time in UTC (when it was published).</summary>
    public static DateTime Built
    {
        get
        {
            try { return File.GetLastWriteTimeUtc(Environment.ProcessPath ?? "/proc/self/exe"); }
            catch (IOException) { return DateTime.UnixEpoch; }
        }
    }

    /// <summary>True for <c>quai [--root DIR] [--storage-driver D] --version|-v</c> (global options may come first).</summary>
    public static bool AsksVersion(string[] args)
    {
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--root" or "--storage-driver") { i++; continue; }
            if (args[i].StartsWith("--root=", StringComparison.Ordinal) || args[i].StartsWith("--storage-driver=", StringComparison.Ordinal)) continue;
            rest.Add(args[i]);
        }
        return rest is ["--version" or "-v"];
    }

    /// <summary><c>quai --version</c>: Docker's <c>Docker version 28.0.1, build 068a01e</c>.</summary>
    public static string VersionLine => $"Quai version {Version}, build {GitCommit}";
}
