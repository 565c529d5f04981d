using System.CommandLine;
using System.Text.Json;
using Quai.Interop;
using Quai.Runtime.Containers;
using Quai.Runtime.Launch;
using Quai.Runtime.Process;
using Quai.Runtime.Validation;

namespace Quai.Runtime.Cli;

/// <summary>runc's global flags and the error handling every verb shares: errors go to the log
/// (--log, text or json) and to stderr; the exit status is 1, like runc.</summary>
public static class Globals
{
    public static readonly Option<string?> Root = new("--root") { Description = "root directory for storage of container state (this should be located in tmpfs)", Recursive = true };
    public static readonly Option<string?> Log = new("--log") { Description = "set the log file to write quai-runtime logs to (default is '/dev/stderr')", Recursive = true };
    public static readonly Option<string> LogFormat = new("--log-format") { Description = "set the log format ('text' (default), or 'json')", Recursive = true, DefaultValueFactory = _ => "text" };
    public static readonly Option<bool> Debug = new("--debug") { Description = "enable debug logging", Recursive = true };
    public static readonly Option<bool> SystemdCgroup = new("--systemd-cgroup") { Description = "use systemd cgroups (not supported: cgroupfs only)", Recursive = true };
    public static readonly Option<string?> RootlessFlag = new("--rootless") { Description = "ignore cgroup permission errors ('true', 'false', or 'auto')", Recursive = true };
    public static readonly Option<string?> Criu = new("--criu") { Description = "path to the criu binary (unused)", Recursive = true, Hidden = true };

    public static void AddTo(RootCommand root)
    {
        foreach (var o in new Option[] { Root, Log, LogFormat, Debug, SystemdCgroup, RootlessFlag, Criu }) root.Options.Add(o);
    }

    /// <summary>urfave/cli (runc's parser) accepts single-dash long flags such as -bundle; map
    /// them to the double-dash form.</summary>
    public static string[] Normalize(string[] args)
    {
        string[] longFlags = ["-bundle", "-root", "-log", "-log-format", "-debug", "-pid-file", "-console-socket", "-detach", "-force", "-all", "-format", "-quiet", "-process", "-tty", "-cwd", "-env", "-user", "-cap", "-no-pivot", "-no-new-keyring", "-preserve-fds", "-keep", "-stats", "-interval", "-resources", "-rootless", "-systemd-cgroup"];
        var normalized = args.Select(a =>
        {
            var name = a.Split('=')[0];
            return longFlags.Contains(name) ? "-" + a : a;
        }).ToList();
        // `spec --rootless` is a plain flag in runc, while the global --rootless takes a value.
        for (var i = 0; i < normalized.Count; i++)
            if (normalized[i] == "--rootless" && (i + 1 == normalized.Count || normalized[i + 1].StartsWith('-')))
                normalized[i] = "--rootless=true";
        return EndExecOptions(normalized).ToArray();
    }

    private static readonly string[] GlobalValueOptions = ["--root", "--log", "--log-format", "--rootless", "--criu"];
    private static readonly string[] ExecValueOptions = ["--process", "-p", "--env", "-e", "--cwd", "--user", "-u", "--additional-gids", "-g",
        "--cap", "-c", "--pid-file", "--console-socket", "--apparmor", "--process-label", "--preserve-fds"];

    /// <summary>urfave/cli stops reading flags at the first argument: in `exec ID sh -c x` the
    /// "-c" belongs to the command, not to exec's --cap. Ends the options after the id with "--".</summary>
    private static List<string> EndExecOptions(List<string> args)
    {
        var i = SkipOptions(args, 0, GlobalValueOptions);
        if (i >= args.Count || args[i] != "exec") return args;
        i = SkipOptions(args, i + 1, [.. GlobalValueOptions, .. ExecValueOptions]);
        if (i + 1 < args.Count && args[i] != "--" && args[i + 1] != "--") args.Insert(i + 1, "--");
        return args;
    }

    /// <summary>Index of the first token at or after <paramref name="i"/> that is not an option or an option's value.</summary>
    private static int SkipOptions(List<string> args, int i, string[] withValue)
    {
        while (i < args.Count && args[i].StartsWith('-') && args[i] != "--" && args[i] != "-")
        {
            var a = args[i];
            i += !a.Contains('=') && withValue.Contains(a) ? 2 : 1;
        }
        return i;
    }

    public static ContainerRuntime Runtime(ParseResult p)
    {
        if (p.GetValue(SystemdCgroup)) throw new RuntimeException("systemd cgroup driver is not supported: use cgroupfs");
        var root = p.GetValue(Root) ?? DefaultRoot();
        return new ContainerRuntime(root, msg => Write(p, "warning", msg));
    }

    private static string DefaultRoot()
    {
        if (Libc.GetEuid() == 0) return ContainerStore.DefaultRoot;
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return xdg is { Length: > 0 } ? Path.Combine(xdg, "quai-runtime") : $"/tmp/quai-runtime-{Libc.GetEuid()}";
    }

    /// <summary>Runs a verb: maps exceptions to runc-style errors and exit statuses.</summary>
    public static int Run(ParseResult p, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is RuntimeException or IOException or InvalidDataException
                                      or UnauthorizedAccessException or NotSupportedException or JsonException or ArgumentException)
        {
            Error(p, Describe(e));
            return 1;
        }
    }

    /// <summary>The message of an exception. .NET's own I/O exceptions carry a bare resource key
    /// in this trimmed build ("IO_FileNotFound_FileName, /x"): say it in words.</summary>
    public static string Describe(Exception e)
    {
        var m = e.Message;
        var comma = m.IndexOf(", ", StringComparison.Ordinal);
        var key = comma < 0 ? m : m[..comma];
        if (!key.Contains('_') || key.Contains(' ')) return m;
        var what = comma < 0 ? "" : m[(comma + 2)..] + ": ";
        var why = key switch
        {
            _ when key.StartsWith("IO_FileNotFound", StringComparison.Ordinal) => "no such file or directory",
            _ when key.StartsWith("IO_PathNotFound", StringComparison.Ordinal) => "no such file or directory",
            _ when key.StartsWith("UnauthorizedAccess", StringComparison.Ordinal) => "permission denied",
            _ when key.StartsWith("IO_FileExists", StringComparison.Ordinal) || key.StartsWith("IO_AlreadyExists", StringComparison.Ordinal) => "file exists",
            _ when key.StartsWith("IO_PathTooLong", StringComparison.Ordinal) => "file name too long",
            _ => null,
        };
        return why is null ? m : what + why;
    }

    public static void Error(ParseResult p, string message)
    {
        if (p.GetValue(Log) is { } file) Write(p, "error", message);
        Console.Error.WriteLine(message);
    }

    public static void Write(ParseResult p, string level, string message)
    {
        var file = p.GetValue(Log);
        if (level == "debug" && !p.GetValue(Debug)) return;
        var line = p.GetValue(LogFormat) == "json"
            ? $"{{\"level\":\"{level}\",\"msg\":{JsonSerializer.Serialize(message, CliJsonContext.Default.String)},\"time\":\"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}\"}}"
            : $"time=\"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\" level={level} msg=\"{message.Replace("\"", "\\\"")}\"";
        try
        {
            if (file is null) Console.Error.WriteLine(line);
            else File.AppendAllText(file, line + "\n");
        }
        catch (IOException) { }
    }

    public static int ParseSignal(string? text)
    {
        if (text is null) return Sig.TERM;
        if (!Sig.TryParse(text, out var sig)) throw new RuntimeException($"unknown signal \"{text}\"");
        return sig;
    }
}
