using System.Text;

namespace Quai.Runtime.Cgroups;

/// <summary>Which cgroup layout the host uses.</summary>
public enum CgroupMode
{
    /// <summary>No cgroup filesystem found.</summary>
    None,
    /// <summary>cgroup v1 only.</summary>
    Legacy,
    /// <summary>cgroup v1 controllers plus a cgroup2 mount (usually /sys/fs/cgroup/unified).</summary>
    Hybrid,
    /// <summary>Pure cgroup v2: /sys/fs/cgroup is cgroup2.</summary>
    Unified,
}

/// <summary>One line of /proc/self/mountinfo.</summary>
public sealed record MountInfoEntry(int Id, int ParentId, string Root, string MountPoint, string FsType, string Source, string SuperOptions,
    string OptionalFields = "")
{
    /// <summary>Whether the mount is in a shared peer group (propagation "shared:N").</summary>
    public bool IsShared => OptionalFields.Contains("shared:", StringComparison.Ordinal);

    /// <summary>For a cgroup v1 mount, the controllers named by its super options (incl. "name=systemd").</summary>
    public IReadOnlyList<string> Controllers =>
        FsType != "cgroup" ? Array.Empty<string>() :
        SuperOptions.Split(',').Where(o => o.Length > 0 && (o.StartsWith("name=", StringComparison.Ordinal) || !o.Contains('='))
            && o is not ("rw" or "ro" or "none" or "noprefix" or "clone_children" or "xattr" or "cpuset_v2_mode" or "nsdelegate" or "favordynmods")).ToArray();
}

/// <summary>Parses /proc/self/mountinfo and /proc/self/cgroup.</summary>
public static class MountInfo
{
    public static List<MountInfoEntry> Parse(string text)
    {
        var list = new List<MountInfoEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var fields = line.Split(' ');
            int sep = Array.IndexOf(fields, "-");
            if (sep < 6 || fields.Length < sep + 3) continue;
            if (!int.TryParse(fields[0], out var id) || !int.TryParse(fields[1], out var parent)) continue;
            list.Add(new MountInfoEntry(id, parent, Unescape(fields[3]), Unescape(fields[4]),
                fields[sep + 1], Unescape(fields[sep + 2]), sep + 3 < fields.Length ? fields[sep + 3] : "",
                string.Join(' ', fields[6..sep])));
        }
        return list;
    }

    public static List<MountInfoEntry> ReadSelf() => Parse(File.ReadAllText("/proc/self/mountinfo"));

    /// <summary>Undo the octal escapes (\040 etc.) the kernel uses in mountinfo paths.</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && IsOct(s, i + 1) && IsOct(s, i + 2) && IsOct(s, i + 3))
            {
                sb.Append((char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOct(string s, int i) => i < s.Length && s[i] >= '0' && s[i] <= '7';

    /// <summary>Detects the layout from mount entries (the mounts under the cgroup root only).</summary>
    public static CgroupMode DetectMode(IEnumerable<MountInfoEntry> mounts, string cgroupRoot = "/sys/fs/cgroup")
    {
        bool unifiedAtRoot = false, v2Elsewhere = false, v1 = false;
        foreach (var m in mounts)
        {
            if (m.FsType == "cgroup2")
            {
                if (m.MountPoint == cgroupRoot) unifiedAtRoot = true;
                else v2Elsewhere = true;
            }
            else if (m.FsType == "cgroup" && m.Controllers.Any(c => !c.StartsWith("name=", StringComparison.Ordinal)))
                v1 = true;
        }
        if (unifiedAtRoot) return CgroupMode.Unified;
        if (v1) return v2Elsewhere ? CgroupMode.Hybrid : CgroupMode.Legacy;
        if (v2Elsewhere) return CgroupMode.Unified;
        return CgroupMode.None;
    }

    /// <summary>
    /// Parses /proc/PID/cgroup: returns controller → path ("" for the v2 line "0::/path").
    /// A line listing several controllers ("2:cpu,cpuacct:/x") yields one entry per controller.
    /// </summary>
    public static Dictionary<string, string> ParseProcCgroup(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            int a = line.IndexOf(':');
            int b = a < 0 ? -1 : line.IndexOf(':', a + 1);
            if (b < 0) continue;
            string ctrls = line[(a + 1)..b], path = line[(b + 1)..];
            if (ctrls.Length == 0) { result[""] = path; continue; }
            foreach (var c in ctrls.Split(',')) result[c] = path;
        }
        return result;
    }
}
