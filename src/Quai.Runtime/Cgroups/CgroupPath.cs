namespace Quai.Runtime.Cgroups;

/// <summary>Interpretation of the OCI <c>linux.cgroupsPath</c>.</summary>
public static class CgroupPath
{
    /// <summary>
    /// Returns the cleaned inner path and whether it is absolute. Empty/null → "&lt;containerId&gt;" relative
    /// (runc's default: Name = container id, no Parent). Systemd-style "slice:prefix:name" is rejected.
    /// </summary>
    public static (string Inner, bool Absolute) Parse(string? cgroupsPath, string containerId)
    {
        if (string.IsNullOrEmpty(cgroupsPath))
        {
            if (string.IsNullOrEmpty(containerId)) throw new CgroupException("cgroup: empty container id and cgroupsPath");
            return (Clean(containerId, false), false);
        }
        if (IsSystemdStyle(cgroupsPath))
            throw new CgroupException($"systemd cgroup driver not supported: cgroupsPath \"{cgroupsPath}\" is in \"slice:prefix:name\" form; use a filesystem path");
        bool abs = cgroupsPath.StartsWith('/');
        return (Clean(cgroupsPath, abs), abs);
    }

    public static bool IsSystemdStyle(string p) => !p.StartsWith('/') && p.Split(':').Length == 3;

    /// <summary>Lexically cleans a path so that ".." can never climb above the hierarchy root.</summary>
    public static string Clean(string path, bool absolute)
    {
        var stack = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); continue; }
            stack.Add(part);
        }
        var joined = string.Join('/', stack);
        return absolute ? "/" + joined : joined;
    }

    /// <summary>Joins a mount point and cgroup-relative components without letting them escape the mount.</summary>
    public static string Join(string mount, params string[] parts)
    {
        var inner = Clean(string.Join('/', parts), false);
        return inner.Length == 0 ? mount : mount.TrimEnd('/') + "/" + inner;
    }

    public static string Parent(string cgroupPath)
    {
        var c = Clean(cgroupPath, true);
        int i = c.LastIndexOf('/');
        return i <= 0 ? "/" : c[..i];
    }
}
