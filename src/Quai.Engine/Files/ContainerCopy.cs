using Quai.Engine.Containers;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Engine.Files;

/// <summary>docker cp and export. Both sides are reached through descriptors: the container's through
/// <see cref="ContainerRoot"/>, the host's through openat2 from "/" (the host is trusted, but the same
/// code walks both). A copy is a tar stream from <see cref="TreeArchiver"/> to <see cref="TarExtractor"/>
/// through a pipe, as Docker's is: the extractor never writes through a symlink, device or FIFO it finds,
/// whatever the container does meanwhile, and copying out never creates a device node on the host.</summary>
public sealed class ContainerCopy(ContainerEngine engine)
{
    /// <summary>-a: keep the archive's uid/gid (else root in the container, the caller on the host).</summary>
    public sealed record Options(bool Archive = false, bool FollowLink = false);

    private const ulong Resolve = NativeFs.RESOLVE_IN_ROOT | NativeFs.RESOLVE_NO_MAGICLINKS;

    /// <summary>Host <paramref name="hostPath"/> → <paramref name="ctrPath"/> in the container.</summary>
    public void CopyIn(Container c, string hostPath, string ctrPath, Options o)
    {
        using var host = HostRoot();
        var hostAbs = Path.GetFullPath(hostPath);
        var src = StatSource(host.Fd, hostAbs, o.FollowLink, "host", () => new EngineUsageException($"lstat {hostPath}: no such file or directory"));
        using var root = ContainerRoot.Open(engine, c);
        var (dir, entry) = Destination(root.Fd, ctrPath, src, CleanBase(hostAbs), contentsOnly: ContentsOnly(hostPath), where: root.Where);
        using (dir)
            Quai.Fs.ArchivePipe.Pump(w => TreeArchiver.Write(host.Fd, hostAbs, entry, w, new ArchiveOptions { FollowStart = o.FollowLink, ContentsOnly = entry.Length == 0 }, "host"),
                 r => TarExtractor.Extract(r, dir.Fd, root.Where, new ExtractOptions { Owner = o.Archive ? null : (0u, 0u) }));
    }

    /// <summary>A tar on <paramref name="tar"/> (docker cp - ctr:/dir) extracted into a directory of the container.</summary>
    public void CopyInArchive(Container c, Stream tar, string ctrPath, Options o)
    {
        using var root = ContainerRoot.Open(engine, c);
        var clean = InRoot.Clean(ctrPath);
        var fd = NativeFs.OpenAt2(root.Fd, clean.Length == 0 ? "." : clean, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
        if (fd == -Errno.ENOTDIR) throw new EngineUsageException($"destination \"{c.Name.TrimStart('/')}:{ctrPath}\" must be a directory");
        if (fd < 0) throw new NotFoundException($"Could not find the file {ctrPath} in container {c.Name.TrimStart('/')}");
        using var dir = new SafeFd(fd);
        TarExtractor.Extract(tar, dir.Fd, root.Where, new ExtractOptions { Owner = o.Archive ? null : (0u, 0u) });
    }

    /// <summary><paramref name="ctrPath"/> in the container → host <paramref name="hostPath"/>.</summary>
    public void CopyOut(Container c, string ctrPath, string hostPath, Options o)
    {
        using var root = ContainerRoot.Open(engine, c);
        var name = c.Name.TrimStart('/');
        var src = StatSource(root.Fd, ctrPath, o.FollowLink, root.Where, () => Missing(ctrPath, name));
        using var host = HostRoot();
        var hostAbs = Path.GetFullPath(hostPath);
        var (dir, entry) = Destination(host.Fd, hostAbs, src, CleanBase(ctrPath), contentsOnly: ContentsOnly(ctrPath), where: "host");
        using (dir)
            Quai.Fs.ArchivePipe.Pump(w => TreeArchiver.Write(root.Fd, ctrPath, entry, w, Archive(root, o, entry.Length == 0), root.Where),
                 r => TarExtractor.Extract(r, dir.Fd, hostPath, new ExtractOptions
                 {
                     Owner = o.Archive ? null : (Libc.GetEuid(), Libc.GetEgid()),
                     SkipDevices = true,
                 }));
    }

    /// <summary>docker cp ctr:/path - : a tar of the path, named by its last component.</summary>
    public void CopyOutArchive(Container c, string ctrPath, Stream output, Options o)
    {
        using var root = ContainerRoot.Open(engine, c);
        StatSource(root.Fd, ctrPath, o.FollowLink, root.Where, () => Missing(ctrPath, c.Name.TrimStart('/')));
        var entry = ContentsOnly(ctrPath) ? "" : CleanBase(ctrPath);
        TreeArchiver.Write(root.Fd, ctrPath, entry, output, Archive(root, o, entry.Length == 0), root.Where);
    }

    /// <summary>docker export: the container's rootfs (its snapshot, without volumes and kernel filesystems).</summary>
    public void Export(Container c, Stream output)
    {
        using var root = ContainerRoot.OpenRootfs(engine, c);
        TreeArchiver.Write(root.Fd, "/", "", output, new ArchiveOptions { SkipKernelFilesystems = true }, root.Where);
    }

    private static ArchiveOptions Archive(ContainerRoot root, Options o, bool contentsOnly)
        => new() { FollowStart = o.FollowLink, ContentsOnly = contentsOnly, SkipKernelFilesystems = root.Live };

    private static SafeFd HostRoot() => new(NativeFs.OpenAt(NativeFs.AT_FDCWD, "/", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, "/"));

    /// <summary>"dir/." (docker cp SRC/. DEST): the contents of dir, not dir itself.</summary>
    private static bool ContentsOnly(string path) => path == "." || path.EndsWith("/.", StringComparison.Ordinal);

    private static string CleanBase(string path)
    {
        var clean = InRoot.Clean(path);
        var slash = clean.LastIndexOf('/');
        return slash < 0 ? clean : clean[(slash + 1)..];
    }

    /// <summary>What the source is (type only), resolved the way the archiver will resolve it.</summary>
    private static NotFoundException Missing(string path, string container) => new($"Could not find the file {path} in container {container}");

    private static NativeFs.Stat StatSource(int rootFd, string path, bool follow, string where, Func<Exception> notFound)
    {
        SafeFd f;
        try { f = TreeArchiver.OpenStart(rootFd, path, follow, where); }
        catch (FileNotFoundException) { throw notFound(); }
        using var _ = f;
        var st = NativeFs.FstatAt(f.Fd, "", NativeFs.AT_EMPTY_PATH, $"{path} in {where}");
        // "file/" names a directory: a file there is an error, as with docker cp
        if (path.EndsWith('/') && !st.IsDir && (st.Type != NativeFs.S_IFLNK || !follow))
            throw new EngineUsageException($"lstat {path} in {where}: not a directory");
        return st;
    }

    /// <summary>Docker's rules for where a copy lands: into an existing directory under the source's name (or
    /// its contents with SRC/.), over an existing file (never a directory onto a file), or as a new name in an
    /// existing parent. Returns the directory to extract into, opened in its root, and the top entry's name
    /// ("" for contents only).</summary>
    private static (SafeFd Dir, string Entry) Destination(int rootFd, string dest, NativeFs.Stat src, string srcBase, bool contentsOnly, string where)
    {
        var clean = InRoot.Clean(dest);
        var existing = NativeFs.OpenAt2(rootFd, clean.Length == 0 ? "." : clean, NativeFs.O_PATH, 0, Resolve);
        if (existing >= 0)
        {
            using var e = new SafeFd(existing);
            var st = NativeFs.FstatAt(e.Fd, "", NativeFs.AT_EMPTY_PATH, $"{dest} in {where}");
            if (st.IsDir)
                return (new SafeFd(NativeFs.OpenAt(e.Fd, ".", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, $"{dest} in {where}")),
                        src.IsDir && contentsOnly ? "" : srcBase);
            if (src.IsDir) throw new EngineUsageException($"cannot copy a directory to a file: {dest} in {where} is not a directory");
        }
        else if (existing != -Errno.ENOENT) throw new ErrnoException($"open {dest} in {where}", -existing);
        else if (dest.EndsWith('/') && !src.IsDir)
            throw new EngineUsageException($"destination directory {dest} in {where} does not exist");
        var (parent, name) = Split(clean);
        if (name.Length == 0) throw new EngineUsageException($"invalid destination {dest}");
        var pfd = NativeFs.OpenAt2(rootFd, parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
        if (pfd == -Errno.ENOENT || pfd == -Errno.ENOTDIR)
            throw new EngineUsageException($"no such directory: {(parent == "." ? "/" : "/" + parent)} in {where} (the parent of {dest} must exist)");
        if (pfd < 0) throw new ErrnoException($"open {parent} in {where}", -pfd);
        return (new SafeFd(pfd), name);
    }

    private static (string Parent, string Name) Split(string clean)
    {
        var slash = clean.LastIndexOf('/');
        return slash < 0 ? (".", clean) : (clean[..slash], clean[(slash + 1)..]);
    }
}
