using System.CommandLine;

namespace Quai.Cli;

/// <summary>Docker 28's top-level and management commands that Quai does not have (yet): one clear line and exit 1
/// instead of a usage dump, <c>quai: 'X' is not supported yet; HINT</c>. A command Quai registers is never reported
/// (the list only names what Docker has). A word Docker does not know either gets Docker's own answer:
/// <c>quai: 'X' is not a quai command.</c> and <c>See 'quai --help'</c>, exit 1.</summary>
public static class UnsupportedCommands
{
    public static readonly IReadOnlyDictionary<string, string> Hints = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["builder"] = "build with 'quai build'; 'quai system df -v' shows the build cache and 'quai system prune' removes it",
        ["buildx"] = "build with 'quai build' (BuildKit's Dockerfile syntax)",
        ["checkpoint"] = "snapshot a container's files with 'quai commit' instead",
        ["compose"] = "start each service with 'quai run'",
        ["context"] = "Quai is daemonless: choose a store with --root or QUAI_ROOT",
        ["network"] = "containers use --network host or none",
        ["plugin"] = "Quai has no plugins",
        ["trust"] = "pin images by digest (NAME@sha256:...)",
        ["swarm"] = "Quai runs containers on this host only; use 'quai run'",
        ["service"] = "Quai runs containers on this host only; use 'quai run'",
        ["stack"] = "Quai runs containers on this host only; use 'quai run'",
        ["node"] = "Quai runs containers on this host only",
        ["config"] = "Quai runs containers on this host only; mount files with -v",
        ["secret"] = "Quai runs containers on this host only; mount files with -v",
        ["port"] = "see the container's network settings with 'quai inspect'",
        ["scout"] = "inspect images with 'quai image inspect' and 'quai history'",
        ["init"] = "write a Dockerfile and build it with 'quai build'",
        ["debug"] = "open a shell in the container with 'quai exec -it'",
        ["sbom"] = "list an image's layers with 'quai history'",
        ["extension"] = "Quai has no extensions",
        ["model"] = "Quai has no model runner",
        ["pull"] = "load or import an image",
        ["push"] = "save the image with 'quai save'",
        ["login"] = "registries are not supported yet",
        ["logout"] = "registries are not supported yet",
        ["search"] = "registries are not supported yet",
        ["events"] = "container state is in 'quai inspect'",
        ["manifest"] = "inspect images with 'quai image inspect'",
    };

    /// <summary>Docker's other commands (those Quai implements); used to tell "not a command" from "not supported".</summary>
    private static readonly HashSet<string> DockerCommands =
    [
        "attach", "build", "commit", "container", "cp", "create", "diff", "exec", "export", "history", "image", "images", "import",
        "info", "inspect", "kill", "load", "logs", "pause", "ps", "rename", "restart", "rm", "rmi", "run", "save", "start", "stats",
        "stop", "system", "tag", "top", "unpause", "update", "version", "volume", "wait", "help",
    ];

    /// <summary>Null when <paramref name="args"/> names a command Quai has (or no command); otherwise the exit code after
    /// printing the line.</summary>
    public static int? Check(RootCommand root, string[] args, TextWriter err)
    {
        string? word = null;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "--root" or "--storage-driver") { i++; continue; }
            if (a.StartsWith('-')) continue;
            word = a;
            break;
        }
        if (word is null) return null;
        if (root.Subcommands.Any(c => c.Name == word || c.Aliases.Contains(word))) return null;
        if (Hints.TryGetValue(word, out var hint))
        {
            err.WriteLine($"quai: '{word}' is not supported yet; {hint}");
            return 1;
        }
        if (DockerCommands.Contains(word)) return null;
        err.WriteLine($"quai: '{word}' is not a quai command.");
        err.WriteLine("See 'quai --help'");
        return 1;
    }
}
