using System.Text;

namespace Quai.Build.Context;

/// <summary>Go's <c>path/filepath.Clean</c> on Linux, which .dockerignore patterns and COPY sources go
/// through in Docker: repeated slashes become one, <c>.</c> elements go, an element and a following
/// <c>..</c> cancel, a <c>..</c> right after the root goes, a trailing slash goes; "" becomes ".".</summary>
internal static class GoPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0) return ".";
        bool rooted = path[0] == '/';
        var parts = new List<string>();
        int dotdots = 0; // leading ".." kept in a relative path
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > dotdots) parts.RemoveAt(parts.Count - 1);
                else if (!rooted) { parts.Add(".."); dotdots++; }
                continue;
            }
            parts.Add(part);
        }
        var sb = new StringBuilder(path.Length);
        if (rooted) sb.Append('/');
        sb.AppendJoin('/', parts);
        return sb.Length == 0 ? "." : sb.ToString();
    }

    /// <summary>A source or query path as a path relative to a root: cleaned as if it started at "/",
    /// so <c>../x</c>, <c>/x</c> and <c>./x</c> are all <c>x</c>; the root itself is "".</summary>
    public static string InRoot(string path)
    {
        var clean = Clean("/" + path);
        return clean == "/" ? "" : clean[1..];
    }
}
