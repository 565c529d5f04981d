namespace Quai.Cli.Commands.Containers;

/// <summary>What the docker CLI (23+) does before it sends a bind to the engine: a source of
/// <c>.</c> or one starting with <c>./</c> is made absolute against the caller's working
/// directory. Any other relative source reaches the engine as it is, and the engine refuses it
/// (a relative path would otherwise be resolved against the bundle, not the caller).</summary>
public static class BindPaths
{
    private static bool IsDotRelative(string path) => path == "." || path.StartsWith("./", StringComparison.Ordinal);

    /// <summary><c>-v SRC:DST[:MODE]</c></summary>
    public static string VolumeSpec(string spec)
    {
        var colon = spec.IndexOf(':');
        if (colon <= 0 || !IsDotRelative(spec[..colon])) return spec;
        return Path.GetFullPath(spec[..colon]) + spec[colon..];
    }

    /// <summary><c>--mount type=bind,src=SRC,…</c> (also <c>source=</c>)</summary>
    public static string MountSpec(string spec)
    {
        var fields = spec.Split(',');
        for (var i = 0; i < fields.Length; i++)
        {
            var eq = fields[i].IndexOf('=');
            if (eq < 0) continue;
            var key = fields[i][..eq].Trim().ToLowerInvariant();
            if (key is "src" or "source" && IsDotRelative(fields[i][(eq + 1)..]))
                fields[i] = fields[i][..(eq + 1)] + Path.GetFullPath(fields[i][(eq + 1)..]);
        }
        return string.Join(',', fields);
    }
}
