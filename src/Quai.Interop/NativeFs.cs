using System.Runtime.InteropServices;

namespace Quai.Interop;

/// <summary>The libc calls the image store needs for safe, metadata-preserving file work.
/// Every wrapper retries EINTR and throws <see cref="ErrnoException"/> naming the call and path.</summary>
public static unsafe partial class NativeFs
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200,
        O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
        RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;
    public const long UTIME_OMIT = (1L << 30) - 2;
    private const long SYS_openat2 = 437;

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow { public ulong Flags; public ulong Mode; public ulong Resolve; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec { public long Sec; public long Nsec; }

    /// <summary>struct stat on x86_64 and arm64 glibc (both 144/128 bytes with this field order on x86_64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev; public ulong Ino; public ulong Nlink; public uint Mode; public uint Uid; public uint Gid; private int _pad0;
        public ulong Rdev; public long Size; public long BlkSize; public long Blocks;
        public Timespec Atime; public Timespec Mtime; public Timespec Ctime;
        private long _r0, _r1, _r2;
        public readonly uint Type => Mode & S_IFMT;
        public readonly bool IsDir => Type == S_IFDIR;
    }

    [LibraryImport("libc", SetLastError = true)] private static partial long syscall(long number, int dirfd, byte* path, OpenHow* how, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int openat(int dirfd, string path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int mkdirat(int dirfd, string path, uint mode);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int mknodat(int dirfd, string path, uint mode, ulong dev);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int symlinkat(string target, int dirfd, string path);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int unlinkat(int dirfd, string path, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int fchownat(int dirfd, string path, uint uid, uint gid, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int fchmodat(int dirfd, string path, uint mode, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int fchmod(int fd, uint mode);
    [LibraryImport("libc", SetLastError = true)] private static partial int fchown(int fd, uint uid, uint gid);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int utimensat(int dirfd, string path, Timespec* times, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int fstatat(int dirfd, string path, out Stat st, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int lsetxattr(string path, string name, byte* value, nuint size, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint llistxattr(string path, byte* list, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint lgetxattr(string path, string name, byte* value, nuint size);
    [LibraryImport("libc", SetLastError = true)] private static partial nint flistxattr(int fd, byte* list, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint listxattr(string path, byte* list, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint getxattr(string path, string name, byte* value, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint fgetxattr(int fd, string name, byte* value, nuint size);
    [LibraryImport("libc", SetLastError = true)] private static partial nint write(int fd, byte* buf, nuint count);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint readlinkat(int dirfd, string path, byte* buf, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int renameat(int olddirfd, string oldpath, int newdirfd, string newpath);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int mount(string source, string target, string fstype, ulong flags, string? data);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int umount2(string target, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int fsync(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial int geteuid();

    private static int Errno => Marshal.GetLastPInvokeError();

    private static int Retry(Func<int> call, string op)
    {
        while (true)
        {
            int rc = call();
            if (rc >= 0) return rc;
            if (Errno != Quai.Interop.Errno.EINTR) throw ErrnoException.FromLast(op);
        }
    }

    /// <summary>openat2(2): opens <paramref name="path"/> relative to <paramref name="dirfd"/> with resolve flags.
    /// Returns -errno instead of throwing so callers can decide.</summary>
    public static int OpenAt2(int dirfd, string path, int flags, uint mode, ulong resolve)
    {
        var how = new OpenHow { Flags = (ulong)(flags | O_CLOEXEC), Mode = mode, Resolve = resolve };
        int len = System.Text.Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        byte[] buf = new byte[len];
        int n = System.Text.Encoding.UTF8.GetBytes(path, buf);
        buf[n] = 0;
        fixed (byte* p = buf)
        {
            while (true)
            {
                long rc = syscall(SYS_openat2, dirfd, p, &how, (nuint)sizeof(OpenHow));
                if (rc >= 0) return (int)rc;
                int e = Errno;
                if (e == Quai.Interop.Errno.EINTR || e == Quai.Interop.Errno.EAGAIN) continue;
                return -e;
            }
        }
    }

    public static int OpenAt(int dirfd, string path, int flags, uint mode, string what)
        => Retry(() => openat(dirfd, path, flags | O_CLOEXEC, mode), $"open {what}");

    public static int TryOpenAt(int dirfd, string path, int flags, uint mode)
    {
        while (true)
        {
            int rc = openat(dirfd, path, flags | O_CLOEXEC, mode);
            if (rc >= 0) return rc;
            if (Errno != Quai.Interop.Errno.EINTR) return -Errno;
        }
    }

    public static void MkdirAt(int dirfd, string name, uint mode, string what) => Retry(() => mkdirat(dirfd, name, mode), $"mkdir {what}");
    public static int TryMkdirAt(int dirfd, string name, uint mode) => mkdirat(dirfd, name, mode) == 0 ? 0 : -Errno;
    public static void MknodAt(int dirfd, string name, uint mode, ulong dev, string what) => Retry(() => mknodat(dirfd, name, mode, dev), $"mknod {what}");
    public static void SymlinkAt(string target, int dirfd, string name, string what) => Retry(() => symlinkat(target, dirfd, name), $"symlink {what}");
    public static void LinkAt(int olddirfd, string oldname, int newdirfd, string newname, int flags, string what) => Retry(() => linkat(olddirfd, oldname, newdirfd, newname, flags), $"link {what}");
    public static int TryUnlinkAt(int dirfd, string name, int flags) => unlinkat(dirfd, name, flags) == 0 ? 0 : -Errno;
    public static void UnlinkAt(int dirfd, string name, int flags, string what) => Retry(() => unlinkat(dirfd, name, flags), $"unlink {what}");
    public static void FchownAt(int dirfd, string name, uint uid, uint gid, int flags, string what) => Retry(() => fchownat(dirfd, name, uid, gid, flags), $"chown {what}");
    public static void FchmodAt(int dirfd, string name, uint mode, string what) => Retry(() => fchmodat(dirfd, name, mode, 0), $"chmod {what}");
    public static void Fchmod(int fd, uint mode, string what) => Retry(() => fchmod(fd, mode), $"chmod {what}");
    public static void Fchown(int fd, uint uid, uint gid, string what) => Retry(() => fchown(fd, uid, gid), $"chown {what}");
    public static void RenameAt(int olddirfd, string oldname, int newdirfd, string newname, string what) => Retry(() => renameat(olddirfd, oldname, newdirfd, newname), $"rename {what}");

    public static void UtimensAt(int dirfd, string name, DateTimeOffset mtime, int flags, string what)
    {
        long ticks = (mtime.UtcDateTime - DateTime.UnixEpoch).Ticks;
        var ts = stackalloc Timespec[2];
        ts[0] = new Timespec { Sec = 0, Nsec = UTIME_OMIT };
        ts[1] = new Timespec { Sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem), Nsec = rem * 100 };
        if (ts[1].Nsec < 0) { ts[1].Sec -= 1; ts[1].Nsec += 1_000_000_000; }
        Retry(() => utimensat(dirfd, name, ts, flags), $"utimensat {what}");
    }

    public static void UtimensAt(int dirfd, string name, Timespec atime, Timespec mtime, int flags, string what)
    {
        var ts = stackalloc Timespec[2];
        ts[0] = atime; ts[1] = mtime;
        Retry(() => utimensat(dirfd, name, ts, flags), $"utimensat {what}");
    }

    public static Stat FstatAt(int dirfd, string name, int flags, string what)
    {
        Stat st = default;
        Retry(() => fstatat(dirfd, name, out st, flags), $"stat {what}");
        return st;
    }

    public static bool TryFstatAt(int dirfd, string name, int flags, out Stat st) => fstatat(dirfd, name, out st, flags) == 0;

    public static Stat Lstat(string path) => FstatAt(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, path);

    public static void LSetXattr(string path, string name, ReadOnlySpan<byte> value, string what)
    {
        fixed (byte* v = value)
        {
            var vv = v;
            nuint len = (nuint)value.Length;
            Retry(() => lsetxattr(path, name, vv, len, 0), $"setxattr {name} on {what}");
        }
    }

    /// <summary>Lists extended attributes of a path without following a final symlink; empty when unsupported.</summary>
    public static List<(string Name, byte[] Value)> LGetXattrs(string path)
    {
        var result = new List<(string, byte[])>();
        nint size = llistxattr(path, null, 0);
        if (size <= 0) return result;
        var list = new byte[size];
        fixed (byte* l = list) size = llistxattr(path, l, (nuint)list.Length);
        if (size <= 0) return result;
        foreach (var name in System.Text.Encoding.UTF8.GetString(list, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            nint vsize = lgetxattr(path, name, null, 0);
            if (vsize < 0) continue;
            var value = new byte[vsize];
            fixed (byte* v = value) vsize = lgetxattr(path, name, v, (nuint)value.Length);
            if (vsize < 0) continue;
            result.Add((name, value.AsSpan(0, (int)vsize).ToArray()));
        }
        return result;
    }

    /// <summary>Extended attributes of whatever a descriptor names, O_PATH ones included (a symlink, a device node,
    /// a FIFO: files that cannot be opened for reading), read through its /proc/self/fd link, which resolves to
    /// the descriptor's own inode and never to a path; empty when unsupported.</summary>
    public static List<(string Name, byte[] Value)> XattrsOf(int fd)
    {
        var path = $"/proc/self/fd/{fd}";
        var result = new List<(string, byte[])>();
        nint size = listxattr(path, null, 0);
        if (size <= 0) return result;
        var list = new byte[size];
        fixed (byte* l = list) size = listxattr(path, l, (nuint)list.Length);
        if (size <= 0) return result;
        foreach (var name in System.Text.Encoding.UTF8.GetString(list, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            nint vsize = getxattr(path, name, null, 0);
            if (vsize < 0 || vsize > 1 << 16) continue;
            var value = new byte[vsize];
            fixed (byte* v = value) vsize = getxattr(path, name, v, (nuint)value.Length);
            if (vsize < 0) continue;
            result.Add((name, value.AsSpan(0, (int)vsize).ToArray()));
        }
        return result;
    }

    /// <summary>Extended attributes of an open file (not an O_PATH descriptor); empty when unsupported.</summary>
    public static List<(string Name, byte[] Value)> FGetXattrs(int fd)
    {
        var result = new List<(string, byte[])>();
        nint size = flistxattr(fd, null, 0);
        if (size <= 0) return result;
        var list = new byte[size];
        fixed (byte* l = list) size = flistxattr(fd, l, (nuint)list.Length);
        if (size <= 0) return result;
        foreach (var name in System.Text.Encoding.UTF8.GetString(list, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            nint vsize = fgetxattr(fd, name, null, 0);
            if (vsize < 0 || vsize > 1 << 16) continue;
            var value = new byte[vsize];
            fixed (byte* v = value) vsize = fgetxattr(fd, name, v, (nuint)value.Length);
            if (vsize < 0) continue;
            result.Add((name, value.AsSpan(0, (int)vsize).ToArray()));
        }
        return result;
    }

    public static string ReadLinkAt(int dirfd, string name, string what)
    {
        var buf = new byte[4096];
        fixed (byte* b = buf)
        {
            nint n = readlinkat(dirfd, name, b, (nuint)buf.Length);
            if (n < 0) throw ErrnoException.FromLast($"readlink {what}");
            return System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
        }
    }

    public static void WriteAll(int fd, ReadOnlySpan<byte> data, string what)
    {
        fixed (byte* p = data)
        {
            int off = 0;
            while (off < data.Length)
            {
                nint n = write(fd, p + off, (nuint)(data.Length - off));
                if (n < 0)
                {
                    if (Errno == Quai.Interop.Errno.EINTR) continue;
                    throw ErrnoException.FromLast($"write {what}");
                }
                off += (int)n;
            }
        }
    }

    public static void Mount(string source, string target, string fstype, ulong flags, string? data)
        => Retry(() => mount(source, target, fstype, flags, data), $"mount {fstype} on {target}");

    public const int MNT_DETACH = 2;
    public static int TryUmount(string target, int flags) => umount2(target, flags) == 0 ? 0 : -Errno;

    public static ulong MakeDev(uint major, uint minor)
        => ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static (uint Major, uint Minor) SplitDev(ulong dev)
        => ((uint)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff)), (uint)(((dev >> 12) & 0xffffff00) | (dev & 0xff)));
}
