using Quai.Engine.Containers;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Engine.Files;

/// <summary>One change in a container's writable layer, as <c>docker diff</c> prints it: A added, C changed, D deleted.</summary>
public readonly record struct FileChange(string Path, char Kind);

/// <summary>What a container changed in its image: the writable layer's size (<c>ps -s</c>) and its list of changes
/// (<c>diff</c>). Both read the snapshot's directories on the host, which the container writes: they are walked
/// with <see cref="TreeWalk"/> (no symlink is ever followed, one descriptor per level) and looked up in the lower
/// layers with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), never by a host path string.</summary>
public static class ContainerChanges
{
    /// <summary>The host directory holding the container's writable layer (overlay upperdir, or the bind-mounted
    /// directory of a plain snapshotter); null when the rootfs is something else.</summary>
    public static string? UpperDir(Container c)
    {
        foreach (var m in c.Quai.RootfsMounts)
            if (m.Type == "overlay" && Option(m, "upperdir") is { } d) return Absolute(m, d);
        return c.Quai.RootfsMounts.FirstOrDefault(m => m.Type == "bind")?.Source;
    }

    /// <summary>Bytes in the writable layer's regular files (Docker's SizeRw); 0 when it is gone.</summary>
    public static long WritableSize(Container c) => UpperDir(c) is { } d ? TreeWalk.Usage(d) : 0;

    /// <summary>The changes in the writable layer against the image's layers, sorted by path, without what the
    /// runtime itself creates (mount points for /proc, /sys, /dev and the generated /etc files), as Docker, which
    /// keeps those in a hidden init layer.</summary>
    public static List<FileChange> Diff(Container c)
    {
        var overlay = c.Quai.RootfsMounts.FirstOrDefault(m => m.Type == "overlay")
            ?? throw new EngineUsageException("diff is only supported with the overlayfs snapshotter");
        var upper = Absolute(overlay, Option(overlay, "upperdir") ?? throw new InvalidDataException($"container {c.Id[..12]}: overlay mount without upperdir"));
        var lowerPaths = (Option(overlay, "lowerdir") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(l => Absolute(overlay, l));
        var lowers = new List<SafeFd>();
        try
        {
            foreach (var l in lowerPaths)
            {
                var fd = NativeFs.TryOpenAt(NativeFs.AT_FDCWD, l, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0);
                if (fd < 0) throw new ErrnoException($"open layer {l} of container {c.Id[..12]}", -fd);
                lowers.Add(new SafeFd(fd));
            }
            var fdUpper = NativeFs.TryOpenAt(NativeFs.AT_FDCWD, upper, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0);
            if (fdUpper == -Errno.ENOENT) return [];
            if (fdUpper < 0) throw new ErrnoException($"open {upper}", -fdUpper);
            using var root = new SafeFd(fdUpper);
            var changes = new List<(string Path, char Kind, bool Dir)>();
            TreeWalk.Walk(root.Fd, $"writable layer of container {c.Id[..12]}", (string path, int _, in NativeFs.Stat st) =>
            {
                var p = "/" + path;
                if (st.Type == NativeFs.S_IFCHR && st.Rdev == 0) changes.Add((p, 'D', false)); // overlay whiteout
                else changes.Add((p, lowers.Any(l => InLayer(l.Fd, path)) ? 'C' : 'A', st.IsDir));
            });
            var kept = changes.Where(x => !Artifact(x.Path)).ToList();
            // a directory copied up only because of those artifacts is not a change
            bool Below(string dir, IEnumerable<(string Path, char, bool)> list) => list.Any(y => y.Path.StartsWith(dir + "/", StringComparison.Ordinal));
            kept = kept.Where(x => x.Kind != 'C' || !x.Dir || Below(x.Path, kept) || !Below(x.Path, changes)).ToList();
            return kept.OrderBy(x => x.Path, StringComparer.Ordinal).Select(x => new FileChange(x.Path, x.Kind)).ToList();
        }
        finally
        {
            foreach (var l in lowers) l.Dispose();
        }
    }

    /// <summary>Whether a layer has an entry at <paramref name="path"/>, looked up without following any symlink
    /// (overlayfs merges by name: a symlink in a lower layer is an entry, not a way somewhere else).</summary>
    private static bool InLayer(int layerFd, string path)
    {
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? "." : path[..slash];
        var pfd = NativeFs.OpenAt2(layerFd, parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, NativeFs.RESOLVE_BENEATH | NativeFs.RESOLVE_NO_SYMLINKS);
        if (pfd < 0) return false;
        try { return NativeFs.TryFstatAt(pfd, slash < 0 ? path : path[(slash + 1)..], NativeFs.AT_SYMLINK_NOFOLLOW, out _); }
        finally { NativeFs.close(pfd); }
    }

    private static bool Artifact(string p) => p is "/dev" or "/proc" or "/sys" or "/etc/hostname" or "/etc/hosts" or "/etc/resolv.conf"
        || p.StartsWith("/dev/", StringComparison.Ordinal) || p.StartsWith("/proc/", StringComparison.Ordinal) || p.StartsWith("/sys/", StringComparison.Ordinal);

    private static string? Option(RootfsMount m, string key)
        => m.Options.FirstOrDefault(o => o.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    private static string Absolute(RootfsMount m, string d)
        => Path.IsPathRooted(d) || m.WorkingDirectory is null ? d : Path.Combine(m.WorkingDirectory, d);
}
