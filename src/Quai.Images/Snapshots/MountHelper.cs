using Quai.Interop;

namespace Quai.Images.Snapshots;

/// <summary>Performs and undoes <see cref="Mount"/>s in the current mount namespace.</summary>
public static class MountHelper
{
    private const ulong MS_RDONLY = 1, MS_BIND = 0x1000, MS_REC = 0x4000;
    private static readonly Lock CwdLock = new();

    public static void MountAll(IReadOnlyList<Mount> mounts, string target)
    {
        foreach (var m in mounts) MountOne(m, target);
    }

    public static void MountOne(Mount m, string target)
    {
        if (m.Type == "bind")
        {
            NativeFs.Mount(m.Source, target, "", MS_BIND | MS_REC, null);
            if (m.Options.Contains("ro")) NativeFs.Mount("", target, "", MS_BIND | MS_REC | 0x20 /* MS_REMOUNT */ | MS_RDONLY, null);
            return;
        }
        ulong flags = m.Options.Contains("ro") ? MS_RDONLY : 0;
        var data = string.Join(',', m.Options.Where(o => o is not "ro" and not "rw"));
        if (m.WorkingDirectory is null)
        {
            NativeFs.Mount(m.Source, target, m.Type, flags, data);
            return;
        }
        // Relative lowerdirs: mount(2) resolves them against the caller's working directory.
        var absTarget = Path.GetFullPath(target);
        lock (CwdLock)
        {
            var old = Environment.CurrentDirectory;
            Environment.CurrentDirectory = m.WorkingDirectory;
            try { NativeFs.Mount(m.Source, absTarget, m.Type, flags, data); }
            finally { Environment.CurrentDirectory = old; }
        }
    }

    public static void Unmount(string target)
    {
        int rc = NativeFs.TryUmount(target, 0);
        if (rc == -Errno.EBUSY) rc = NativeFs.TryUmount(target, NativeFs.MNT_DETACH);
        if (rc < 0 && rc != -Errno.EINVAL && rc != -Errno.ENOENT) throw new ErrnoException($"umount {target}", -rc);
    }

    public static bool IsMountPoint(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            if (f.Length > 4 && Unescape(f[4]) == full) return true;
        }
        return false;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
