using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;
using Quai.Interop;

namespace Quai.Fs;

/// <summary>What goes into an archive made by <see cref="TreeArchiver"/>.</summary>
public sealed class ArchiveOptions
{
    /// <summary>Follow a symlink at the start path (docker cp -L); links below it are always archived as links.</summary>
    public bool FollowStart { get; init; }
    /// <summary>Leave out the start directory's own entry and archive only its contents (docker cp SRC/.).</summary>
    public bool ContentsOnly { get; init; }
    /// <summary>Called for each path archived, relative to the start (export progress, ps -s).</summary>
    public Action<string, long>? OnEntry { get; init; }
    /// <summary>Kernel filesystems mounted in the tree (proc, sysfs, cgroup, devpts, mqueue…) are archived as empty
    /// directories, never read: a container's /proc has files that never end (kcore) or block. A start inside one is
    /// refused. On for everything reached through a running container's root.</summary>
    public bool SkipKernelFilesystems { get; init; }
}

/// <summary>Writes a directory tree that may be hostile (a container's root, while the container runs) as a
/// tar. Nothing is ever opened by path: the start is resolved with openat2(RESOLVE_IN_ROOT) against a root
/// descriptor, and the walk goes from each directory descriptor to its children with O_PATH|O_NOFOLLOW, so a
/// symlink or a directory swapped for one mid-walk is archived as what it is and never followed out of the
/// root. Devices, FIFOs and sockets are never opened (a tar header for the first two; sockets are skipped).
/// A file that grows while it is read is cut at the size it had when it was opened, one that shrinks is
/// padded with zeros: the archive stays well-formed either way.</summary>
public sealed class TreeArchiver : IDisposable
{
    private const ulong Resolve = NativeFs.RESOLVE_IN_ROOT | NativeFs.RESOLVE_NO_MAGICLINKS;
    private readonly TarWriter _tar;
    private readonly ArchiveOptions _options;
    private readonly Dictionary<(ulong Dev, ulong Ino), string> _links = [];
    private readonly string _where;

    private TreeArchiver(Stream output, ArchiveOptions options, string where)
    {
        _tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        _options = options;
        _where = where;
    }

    /// <summary>Archives <paramref name="path"/> (resolved inside the tree of <paramref name="rootFd"/>, "/" for the
    /// root itself) under the name <paramref name="entryName"/> ("" puts its contents at the archive's top).</summary>
    /// <exception cref="FileNotFoundException">the path does not exist in the tree.</exception>
    public static void Write(int rootFd, string path, string entryName, Stream output, ArchiveOptions options, string where)
    {
        using var a = new TreeArchiver(output, options, where);
        using var start = OpenStart(rootFd, path, options.FollowStart, where);
        if (options.SkipKernelFilesystems && KernelFilesystem(start.Fd) is { } fs)
            throw new IOException($"archive {path} in {where}: it is on a kernel filesystem ({fs}), which is not copied");
        a.Add(start.Fd, entryName.Length == 0 ? "" : TarPath.Clean(entryName), top: true, parentDev: null, depth: 0);
    }

    /// <summary>Opens <paramref name="path"/> in the tree of <paramref name="rootFd"/> as O_PATH, without following a
    /// final symlink unless <paramref name="follow"/> (docker cp -L); every other component is resolved in the root.</summary>
    /// <exception cref="FileNotFoundException">the path does not exist in the tree.</exception>
    public static SafeFd OpenStart(int rootFd, string path, bool follow, string where)
    {
        var clean = InRoot.Clean(path);
        int fd;
        if (clean.Length == 0)
            fd = NativeFs.OpenAt(rootFd, ".", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, where);
        else if (follow)
            fd = NativeFs.OpenAt2(rootFd, clean, NativeFs.O_PATH, 0, Resolve);
        else
        {
            var slash = clean.LastIndexOf('/');
            var parent = slash < 0 ? "." : clean[..slash];
            var name = slash < 0 ? clean : clean[(slash + 1)..];
            var pfd = NativeFs.OpenAt2(rootFd, parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
            if (pfd < 0) fd = pfd;
            else
            {
                fd = NativeFs.TryOpenAt(pfd, name, NativeFs.O_PATH | NativeFs.O_NOFOLLOW, 0);
                NativeFs.close(pfd);
            }
        }
        if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR) throw new FileNotFoundException($"{path}: no such file or directory in {where}", path);
        if (fd < 0) throw new ErrnoException($"open {path} in {where}", -fd);
        return new SafeFd(fd);
    }

    private void Add(int fd, string name, bool top, ulong? parentDev, int depth)
    {
        var st = NativeFs.FstatAt(fd, "", NativeFs.AT_EMPTY_PATH, $"{name} in {_where}");
        switch (st.Type)
        {
            case NativeFs.S_IFDIR:
            {
                using var dir = new SafeFd(NativeFs.OpenAt(fd, ".", NativeFs.O_RDONLY | NativeFs.O_DIRECTORY, 0, $"{name} in {_where}"));
                if (!(top && (_options.ContentsOnly || name.Length == 0)))
                    WriteHeader(TarEntryType.Directory, name + "/", st, null, NativeFs.FGetXattrs(dir.Fd));
                if (_options.SkipKernelFilesystems && parentDev is { } pd && pd != st.Dev && KernelFilesystem(dir.Fd) is not null)
                    break; // a mount point of proc, sysfs…: the directory, not what the kernel shows in it
                if (depth >= TreeWalk.MaxDepth) throw new IOException($"archive {name} in {_where}: more than {TreeWalk.MaxDepth} directories deep");
                foreach (var child in TreeWalk.List(dir.Fd))
                {
                    var childFd = NativeFs.TryOpenAt(dir.Fd, child, NativeFs.O_PATH | NativeFs.O_NOFOLLOW, 0);
                    if (childFd == -Errno.ENOENT) continue; // removed meanwhile
                    if (childFd < 0) throw new ErrnoException($"open {Join(name, child)} in {_where}", -childFd);
                    using var c = new SafeFd(childFd);
                    Add(c.Fd, Join(name, child), top: false, parentDev: st.Dev, depth: depth + 1);
                }
                break;
            }
            case NativeFs.S_IFREG:
                if (st.Nlink > 1)
                {
                    if (_links.TryGetValue((st.Dev, st.Ino), out var first)) { WriteHeader(TarEntryType.HardLink, name, st, first, null); break; }
                    _links[(st.Dev, st.Ino)] = name;
                }
                // Reopened through the O_PATH descriptor: the same inode, whatever the path now names.
                var rfd = NativeFs.OpenAt(NativeFs.AT_FDCWD, $"/proc/self/fd/{fd}", NativeFs.O_RDONLY | NativeFs.O_NONBLOCK, 0, $"{name} in {_where}");
                using (var file = new FileStream(new SafeFileHandle(rfd, ownsHandle: true), FileAccess.Read, 1 << 16))
                using (var data = new FixedLengthStream(file, st.Size))
                {
                    var e = TarEntries.FromStat(TarEntryType.RegularFile, name, st, null, NativeFs.FGetXattrs(rfd));
                    e.DataStream = data;
                    _tar.WriteEntry(e);
                }
                break;
            case NativeFs.S_IFLNK:
                WriteHeader(TarEntryType.SymbolicLink, name, st, NativeFs.ReadLinkAt(fd, "", $"{name} in {_where}"), null);
                break;
            case NativeFs.S_IFCHR: WriteHeader(TarEntryType.CharacterDevice, name, st, null, null); break;
            case NativeFs.S_IFBLK: WriteHeader(TarEntryType.BlockDevice, name, st, null, null); break;
            case NativeFs.S_IFIFO: WriteHeader(TarEntryType.Fifo, name, st, null, null); break;
            default: return; // sockets: tar has no type for them (GNU tar skips them too)
        }
        _options.OnEntry?.Invoke(name, st.Type == NativeFs.S_IFREG ? st.Size : 0);
    }

    /// <summary>statfs magic numbers of the filesystems the kernel makes up (linux/magic.h).</summary>
    private static readonly Dictionary<long, string> KernelFilesystems = new()
    {
        [0x9fa0] = "proc", [0x62656572] = "sysfs", [0x27e0eb] = "cgroup", [0x63677270] = "cgroup2", [0x1cd1] = "devpts",
        [0x19800202] = "mqueue", [0x64626720] = "debugfs", [0x73636673] = "securityfs", [0x74726163] = "tracefs",
        [0xcafe4a11] = "bpf", [0x6165676C] = "pstore", [0x62656570] = "configfs", [0x65735543] = "fusectl",
        [0x42494e4d] = "binfmt_misc", [0xf97cff8c] = "selinuxfs", [0xde5e81e4] = "efivarfs", [0x958458f6] = "hugetlbfs",
    };

    private static string? KernelFilesystem(int fd)
        // fstatfs takes O_PATH descriptors (Linux 3.12+): nothing is opened for reading
        => Libc.Fstatfs(fd, out var sfs) == 0 && KernelFilesystems.TryGetValue(sfs.Type, out var n) ? n : null;

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "/" + b;

    private void WriteHeader(TarEntryType type, string name, NativeFs.Stat st, string? link, List<(string, byte[])>? xattrs)
        => _tar.WriteEntry(TarEntries.FromStat(type, name, st, link, xattrs));

    public void Dispose() => _tar.Dispose();
}
