using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Fs;

/// <summary>Resolves paths inside a container's rootfs with openat2(RESOLVE_IN_ROOT): ".." and
/// symlinks, absolute ones included, can never leave the rootfs (CVE-2021-30465). Everything the
/// runtime mounts onto or creates is reached through an fd opened this way.</summary>
public sealed unsafe class InRoot : IDisposable
{
    private const ulong ResolveNoXdev = 1, ResolveNoMagiclinks = 2, ResolveNoSymlinks = 4, ResolveInRoot = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow { public ulong Flags, Mode, Resolve; }

    public int RootFd { get; }
    public string HostPath { get; }

    private readonly bool _ownsFd = true;

    public InRoot(string hostPath)
    {
        HostPath = hostPath;
        RootFd = Libc.Open(hostPath, O.PATH | O.DIRECTORY | O.CLOEXEC, 0);
        if (RootFd < 0) throw ErrnoException.FromLast($"open rootfs {hostPath}");
    }

    /// <summary>Over a root already open as <paramref name="rootFd"/> (borrowed: not closed by Dispose);
    /// <paramref name="where"/> names it in messages ("container c1").</summary>
    public InRoot(int rootFd, string where)
    {
        RootFd = rootFd;
        HostPath = where;
        _ownsFd = false;
    }

    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return string.Join('/', parts);
    }

    /// <summary>openat2 relative to the rootfs; returns -errno instead of throwing.</summary>
    public int TryOpen(string path, int flags, bool noSymlinks = false)
    {
        var rel = Clean(path);
        if (rel.Length == 0) rel = ".";
        var how = new OpenHow
        {
            Flags = (ulong)(flags | O.CLOEXEC),
            Resolve = ResolveInRoot | ResolveNoMagiclinks | (noSymlinks ? ResolveNoSymlinks : 0),
        };
        var bytes = System.Text.Encoding.UTF8.GetBytes(rel + "\0");
        fixed (byte* p = bytes)
        {
            while (true)
            {
                var fd = Libc.Syscall(Sys.Openat2, RootFd, (long)p, (long)&how, sizeof(OpenHow), 0);
                if (fd >= 0) return (int)fd;
                var e = Marshal.GetLastPInvokeError();
                if (e == Errno.EINTR || e == Errno.EAGAIN) continue;
                return -e;
            }
        }
    }

    public int Open(string path, int flags, bool noSymlinks = false)
    {
        var fd = TryOpen(path, flags, noSymlinks);
        if (fd < 0) throw new ErrnoException($"open {path} in rootfs {HostPath}", -fd);
        return fd;
    }

    /// <summary>Creates every missing directory of <paramref name="path"/> inside the rootfs and
    /// returns an O_PATH fd of the last one.</summary>
    public int MkdirAll(string path, uint mode = 0x1ED /*0755*/)
    {
        var parts = Clean(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "";
        foreach (var part in parts)
        {
            var next = current.Length == 0 ? part : current + "/" + part;
            var fd = TryOpen(next, O.PATH | O.DIRECTORY);
            if (fd >= 0) { Libc.Close(fd); current = next; continue; }
            if (fd != -Errno.ENOENT)
                throw new ErrnoException($"mkdir {path} in rootfs {HostPath}: open {next}", -fd);
            var parent = Open(current, O.PATH | O.DIRECTORY);
            try
            {
                if (Libc.MkdirAt(parent, part, mode) < 0)
                {
                    var e = Marshal.GetLastPInvokeError();
                    if (e != Errno.EEXIST) throw new ErrnoException($"mkdir {next} in rootfs {HostPath}", e);
                }
            }
            finally { Libc.Close(parent); }
            current = next;
        }
        return Open(current, O.PATH | O.DIRECTORY);
    }

    /// <summary>Creates an empty file (a mountpoint for a file bind mount) and returns an O_PATH fd.</summary>
    public int CreateFile(string path, uint mode = 0x1A4 /*0644*/)
    {
        var existing = TryOpen(path, O.PATH);
        if (existing >= 0) return existing;
        var clean = Clean(path);
        var slash = clean.LastIndexOf('/');
        var dir = slash < 0 ? "" : clean[..slash];
        var name = slash < 0 ? clean : clean[(slash + 1)..];
        var parent = MkdirAll(dir);
        try
        {
            var fd = Libc.OpenAt(parent, name, O.CREAT | O.WRONLY | O.NOFOLLOW | O.CLOEXEC, (int)mode);
            if (fd < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
                throw ErrnoException.FromLast($"create {path} in rootfs {HostPath}");
            if (fd >= 0) Libc.Close(fd);
        }
        finally { Libc.Close(parent); }
        return Open(path, O.PATH);
    }

    /// <summary>Opens the parent directory of <paramref name="path"/> (created if needed) and
    /// returns it with the last component's name.</summary>
    public (int ParentFd, string Name) OpenParent(string path)
    {
        var clean = Clean(path);
        var slash = clean.LastIndexOf('/');
        var dir = slash < 0 ? "" : clean[..slash];
        var name = slash < 0 ? clean : clean[(slash + 1)..];
        return (MkdirAll(dir), name);
    }

    /// <summary>Reads a regular file inside the root, at most <paramref name="maxBytes"/>; null when it
    /// does not exist. Opened without following a final symlink and without blocking, then checked with
    /// fstat: a FIFO, device or socket planted where a file is expected is refused, never read (a
    /// symlink to /dev/zero cannot make the caller read forever, a FIFO cannot hang it).</summary>
    /// <param name="followFinal">follow a final symlink (still inside the root: /etc/passwd may be a link
    /// in an image, and RESOLVE_IN_ROOT keeps its target in the root)</param>
    public byte[]? TryReadFile(string path, int maxBytes, bool followFinal = false)
    {
        var fd = TryOpen(path, O.RDONLY | O.NONBLOCK | (followFinal ? 0 : O.NOFOLLOW));
        if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR) return null;
        if (fd < 0) throw new ErrnoException($"open {path} in {HostPath}", -fd);
        try
        {
            if (Libc.Fstat(fd, out var st) < 0) throw ErrnoException.FromLast($"stat {path} in {HostPath}");
            if ((st.Mode & 0xF000) != 0x8000) throw new IOException($"read {path} in {HostPath}: not a regular file");
            if (st.Size > maxBytes) throw new IOException($"read {path} in {HostPath}: {st.Size} bytes, more than the {maxBytes} allowed");
            var buf = new byte[st.Size];
            var off = 0;
            fixed (byte* b = buf)
                while (off < buf.Length)
                {
                    var n = Libc.Read(fd, b + off, buf.Length - off);
                    if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    if (n < 0) throw ErrnoException.FromLast($"read {path} in {HostPath}");
                    if (n == 0) break;
                    off += (int)n;
                }
            return off == buf.Length ? buf : buf[..off];
        }
        finally { Libc.Close(fd); }
    }

    public void Dispose()
    {
        if (_ownsFd) Libc.Close(RootFd);
    }
}
