using Quai.Engine.Containers;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Engine.Volumes;

/// <summary>Docker's copy-up of volumes: at start, a volume mounted over a directory of the image that is still
/// empty is filled with that directory's content (owners, modes, links and xattrs kept), and takes the directory's
/// own owner and mode, so `-v data:/etc` keeps /etc/passwd and an image's `VOLUME /data` keeps what the image put
/// there. `nocopy` turns it off; a volume with anything in it is never touched. Both sides are reached by
/// descriptor: the image side inside the mounted rootfs (RESOLVE_IN_ROOT, so a hostile symlink at the mount point
/// resolves inside the image), the volume side in the store.</summary>
public static class VolumePrefill
{
    private const ulong Resolve = NativeFs.RESOLVE_IN_ROOT | NativeFs.RESOLVE_NO_MAGICLINKS;

    /// <summary>Fills the empty volumes of <paramref name="c"/> from its rootfs, mounted at <paramref name="rootfsDir"/>.</summary>
    public static void Populate(Container c, string rootfsDir)
    {
        var volumes = c.Mounts.Where(m => m.Type == "volume" && !m.NoCopy && m.Source.Length > 0).ToList();
        if (volumes.Count == 0) return;
        using var root = new SafeFd(NativeFs.OpenAt(NativeFs.AT_FDCWD, rootfsDir, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, rootfsDir));
        var where = $"the image of container {c.Name.TrimStart('/')}";
        foreach (var m in volumes)
        {
            var clean = InRoot.Clean(m.Destination);
            if (clean.Length == 0) continue;
            var src = NativeFs.OpenAt2(root.Fd, clean, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
            if (src == -Errno.ENOENT || src == -Errno.ENOTDIR) continue; // nothing in the image there
            if (src < 0) throw new ErrnoException($"open {m.Destination} in {where}", -src);
            using var srcFd = new SafeFd(src);
            // the volume's own directory guards its filling: two containers starting on one new volume copy once
            using var _ = new FileLock(Path.Combine(Path.GetDirectoryName(m.Source)!, ".prefill.lock"));
            if (!Directory.Exists(m.Source) || Directory.EnumerateFileSystemEntries(m.Source).Any()) continue;
            using var data = new SafeFd(NativeFs.OpenAt(NativeFs.AT_FDCWD, m.Source, NativeFs.O_RDONLY | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, m.Source));
            if (HasEntries(srcFd.Fd))
                ArchivePipe.Pump(
                    w => TreeArchiver.Write(root.Fd, clean, "", w, new ArchiveOptions { ContentsOnly = true }, where),
                    r => TarExtractor.Extract(r, data.Fd, $"volume {m.Name}", new ExtractOptions()));
            var st = NativeFs.FstatAt(srcFd.Fd, "", NativeFs.AT_EMPTY_PATH, $"{m.Destination} in {where}");
            NativeFs.Fchown(data.Fd, st.Uid, st.Gid, $"volume {m.Name}");
            NativeFs.Fchmod(data.Fd, st.Mode & 0xFFF, $"volume {m.Name}");
        }
    }

    /// <summary>Whether the directory held by <paramref name="dirFd"/> (O_PATH) has entries: listed through its
    /// descriptor, never by a path of the image. An empty one still gives the volume its owner and mode (moby).</summary>
    private static bool HasEntries(int dirFd)
    {
        var fd = NativeFs.OpenAt(dirFd, ".", NativeFs.O_RDONLY | NativeFs.O_DIRECTORY, 0, "volume source");
        try { return Directory.EnumerateFileSystemEntries($"/proc/self/fd/{fd}").Any(); }
        finally { NativeFs.close(fd); }
    }
}
