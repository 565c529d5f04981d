namespace Quai.Runtime.Rootfs;

/// <summary>Reads /proc/self/mountinfo: which mount holds a path, and its propagation.</summary>
public static class MountInfo
{
    public sealed record Entry(string MountPoint, string OptionalFields, string FsType, string Source);

    public static IEnumerable<Entry> Read(string file = "/proc/self/mountinfo")
    {
        foreach (var line in File.ReadLines(file))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0) continue;
            var left = line[..sep].Split(' ');
            var right = line[(sep + 3)..].Split(' ');
            if (left.Length < 6 || right.Length < 2) continue;
            yield return new Entry(Unescape(left[4]), string.Join(' ', left.Skip(6)), right[0], Unescape(right[1]));
        }
    }

    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    /// <summary>The longest mount point that is a prefix of <paramref name="path"/>.</summary>
    public static string? FindMountPoint(string path)
    {
        string? best = null;
        foreach (var e in Read())
        {
            var mp = e.MountPoint;
            if (path == mp || path.StartsWith(mp == "/" ? "/" : mp + "/", StringComparison.Ordinal))
                if (best == null || mp.Length >= best.Length) best = mp;
        }
        return best;
    }

    public static bool IsShared(string mountPoint) =>
        Read().LastOrDefault(e => e.MountPoint == mountPoint)?.OptionalFields.Contains("shared:") ?? false;
}
