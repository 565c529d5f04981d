namespace Quai.Cli.Commands.Containers;

/// <summary>Docker stops parsing flags at the first positional argument of run/create/exec
/// (`quai run img sh -c "…"`): everything after the image (or container) is the command. System.CommandLine
/// would read `-c` as a flag, so a `--` is inserted after that argument before parsing.</summary>
public static class ArgsNormalizer
{
    private static readonly HashSet<string> Verbs = ["run", "create", "exec"];

    /// <summary>Flags of run/create/exec that take no value (everything else takes one).</summary>
    private static readonly HashSet<string> BoolFlags =
    [
        "-d", "--detach", "-i", "--interactive", "-t", "--tty", "--rm", "--privileged", "--read-only", "--no-healthcheck",
        "--help", "--init", "--sig-proxy", "-P", "--publish-all", "--oom-kill-disable", "-q", "--quiet",
    ];

    private static readonly HashSet<string> GlobalValueFlags = ["--root", "--storage-driver"];

    public static string[] Normalize(string[] args)
    {
        var i = 0;
        // global flags before the verb
        while (i < args.Length && args[i].StartsWith('-'))
        {
            if (GlobalValueFlags.Contains(args[i])) i++;
            i++;
        }
        if (i < args.Length && args[i] == "container") i++;
        if (i >= args.Length || !Verbs.Contains(args[i])) return args;
        i++;
        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return args;
            if (a.Length > 1 && a[0] == '-')
            {
                if (a.Contains('=')) continue;
                if (a.StartsWith("--", StringComparison.Ordinal))
                {
                    if (!BoolFlags.Contains(a)) i++;
                    continue;
                }
                // short flags, possibly bundled (-it, -dit, -e=…): the last letter decides
                var last = "-" + a[^1];
                if (a.Length == 2 ? !BoolFlags.Contains(a) : !BoolFlags.Contains(last)) { if (a.Length == 2) i++; }
                continue;
            }
            // the image (run/create) or the container (exec): the rest is the command
            if (i + 1 < args.Length)
                return [.. args[..(i + 1)], "--", .. args[(i + 1)..]];
            return args;
        }
        return args;
    }
}
