namespace Quai.Fs;

/// <summary>Validation of paths inside a layer tar. Hostile archives use absolute names and <c>..</c> to
/// write outside the layer; such entries are refused outright with an error naming them.</summary>
public static class TarPath
{
    /// <summary>Returns the clean relative path ("a/b/c"), "" for the root itself; throws for escaping names.</summary>
    public static string Clean(string name, string what = "layer entry")
    {
        if (name.Length == 0) throw new TarFormatException($"{what} has an empty name");
        if (name.Contains('\0')) throw new TarFormatException($"{what} \"{name.Replace("\0", "\\0")}\" contains a NUL byte");
        if (name[0] == '/') throw new TarFormatException($"{what} \"{name}\" is an absolute path; refusing to apply it");
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") throw new TarFormatException($"{what} \"{name}\" contains \"..\"; refusing to apply it");
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>Joins a symlink's directory and target lexically; ".." may climb but never above the archive root.</summary>
    public static string ResolveRelative(string directory, string target, string what)
    {
        if (target.StartsWith('/')) throw new TarFormatException($"{what} \"{target}\" is an absolute path; refusing it");
        var parts = directory.Length == 0 ? new List<string>() : directory.Split('/').ToList();
        foreach (var part in target.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw new TarFormatException($"{what} \"{target}\" points outside the archive; refusing it");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    public static (string Parent, string Base) Split(string clean)
    {
        int slash = clean.LastIndexOf('/');
        return slash < 0 ? ("", clean) : (clean[..slash], clean[(slash + 1)..]);
    }
}

/// <summary>A layer or archive that is malformed or hostile; the message names the offending path.</summary>
public sealed class TarFormatException(string message, Exception? inner = null) : IOException(message, inner);
