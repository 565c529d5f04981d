using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class CpusetController : IController
{
    public string Name => "cpuset";
    public bool IsRequested(Resources r) => !string.IsNullOrEmpty(r.Cpu?.Cpus) || !string.IsNullOrEmpty(r.Cpu?.Mems);

    public void Apply(string dir, Resources r)
    {
        if (!string.IsNullOrEmpty(r.Cpu?.Cpus)) CgroupFile.Write(dir, "cpuset.cpus", r.Cpu!.Cpus!);
        if (!string.IsNullOrEmpty(r.Cpu?.Mems)) CgroupFile.Write(dir, "cpuset.mems", r.Cpu!.Mems!);
    }

    public void GetStats(string dir, CgroupStats stats) { }

    /// <summary>
    /// A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks; copy them down from the
    /// nearest ancestor for every level between the mount and <paramref name="dir"/> (mkdir'ed already).
    /// </summary>
    public static void EnsureInherited(string mountPoint, string dir)
    {
        var mount = mountPoint.TrimEnd('/');
        if (!dir.StartsWith(mount + "/", StringComparison.Ordinal)) return;
        var parts = dir[(mount.Length + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        string parent = mount;
        foreach (var part in parts)
        {
            string cur = parent + "/" + part;
            foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
            {
                var mine = CgroupFile.TryRead(cur, file)?.Trim();
                if (string.IsNullOrEmpty(mine))
                {
                    var theirs = CgroupFile.Read(parent, file).Trim();
                    if (theirs.Length > 0) CgroupFile.Write(cur, file, theirs);
                }
            }
            parent = cur;
        }
    }
}
