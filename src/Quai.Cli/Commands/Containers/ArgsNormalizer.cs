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
        // run/create/exec of containers only: `network create`, `volume create` are other commands
        var group = i < args.Length && args[i] is "container" or "image" or "volume" or "network" or "system" ? args[i++] : null;
        if (i >= args.Length) return args;
        if (group is not (null or "container") || !Verbs.Contains(args[i])) return JoinNegativeValues(args, i + 1, args.Length);
        i++;
        args = [.. args];
        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") return args;
            if (a.Length > 1 && a[0] == '-')
            {
                if (a.Contains('=')) continue;
                if (a.StartsWith("--", StringComparison.Ordinal))
                {
                    if (!BoolFlags.Contains(a) && !JoinNegative(ref args, i)) i++;
                    continue;
                }
                // short flags, possibly bundled (-it, -dit, -e=…): the last letter decides
                var last = "-" + a[^1];
                if (a.Length == 2 ? !BoolFlags.Contains(a) : !BoolFlags.Contains(last)) { if (a.Length == 2 && !JoinNegative(ref args, i)) i++; }
                continue;
            }
            // the image (run/create) or the container (exec): the rest is the command
            if (i + 1 < args.Length)
                return [.. args[..(i + 1)], "--", .. args[(i + 1)..]];
            return args;
        }
        return args;
    }

    /// <summary>A negative number as a flag's value (`--memory-swap -1`, `--oom-score-adj -500`, `logs --tail -1`)
    /// would be read as an unknown flag "-1": Docker's pflag takes it as the value, so it is joined to its flag.</summary>
    private static string[] JoinNegativeValues(string[] args, int from, int to)
    {
        args = [.. args];
        for (var i = from; i < args.Length; i++)
        {
            if (args[i] == "--") break;
            if (args[i].Length > 1 && args[i][0] == '-' && !args[i].Contains('=') && !IsNegativeNumber(args[i])) JoinNegative(ref args, i);
        }
        return args;
    }

    private static bool JoinNegative(ref string[] args, int i)
    {
        if (i + 1 >= args.Length || !IsNegativeNumber(args[i + 1])) return false;
        args = [.. args[..i], args[i] + "=" + args[i + 1], .. args[(i + 2)..]];
        return true;
    }

    private static bool IsNegativeNumber(string s) =>
        s.Length > 1 && s[0] == '-' && char.IsAsciiDigit(s[1]) && s.Skip(1).All(c => char.IsAsciiDigit(c) || c == '.');
}
