using Quai.Engine.Containers;

namespace Quai.Engine.Specs;

/// <summary>The mount options a user may give a tmpfs (<c>--tmpfs /x:OPTS</c>,
/// <c>--mount type=tmpfs</c>, HostConfig.Tmpfs): Docker's list. Anything else — <c>bind</c>,
/// <c>rbind</c>, <c>remount</c>, <c>tmpcopyup</c>, unknown data — is refused, because the runtime
/// turns a bind option into a bind mount of a path relative to the bundle.</summary>
public static class TmpfsOptions
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
    {
        "defaults", "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async", "dirsync",
        "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime",
        "strictatime", "nostrictatime",
        "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
    };

    private static readonly HashSet<string> Data = new(StringComparer.Ordinal)
    {
        "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol",
    };

    /// <summary>The options of <paramref name="options"/> (comma-separated), checked; throws
    /// Docker's <c>Invalid tmpfs option ["rbind"]</c> for the first that is not allowed.</summary>
    public static List<string> Parse(string options)
    {
        var list = new List<string>();
        foreach (var o in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = o.IndexOf('=');
            var ok = eq < 0 ? Flags.Contains(o) : Data.Contains(o[..eq]) && IsValue(o[(eq + 1)..]);
            if (!ok)
                throw new EngineUsageException(eq < 0 ? $"Invalid tmpfs option [\"{o}\"]" : $"Invalid tmpfs option [\"{o[..eq]}\" \"{o[(eq + 1)..]}\"]");
            list.Add(o);
        }
        return list;
    }

    /// <summary>Docker's destination rules: absolute and not the root.</summary>
    public static void CheckDestination(string destination)
    {
        if (!destination.StartsWith('/')) throw new EngineUsageException($"invalid mount config: mount path must be absolute: {destination}");
        if (destination.Trim('/').Length == 0) throw new EngineUsageException("invalid tmpfs mount: destination can't be '/'");
    }

    private static bool IsValue(string v) => v.Length > 0 && v.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is ':' or '-' or '.' or '/');
}
