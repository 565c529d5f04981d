using Quai.Fs;
using System.Runtime.InteropServices;
using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Rootfs;

/// <summary>Device nodes in the container's /dev: the default set every container gets plus
/// those of linux.devices; made with mknod, or bind-mounted from the host inside a user namespace
/// where mknod is not allowed.</summary>
public static partial class Devices
{
    public const uint S_IFMT = 0xF000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFIFO = 0x1000, S_IFDIR = 0x4000,
        S_IFREG = 0x8000, S_IFLNK = 0xA000;

    public static readonly LinuxDevice[] Default =
    [
        new() { Path = "/dev/null", Type = "c", Major = 1, Minor = 3, FileMode = 0x1B6 },
        new() { Path = "/dev/zero", Type = "c", Major = 1, Minor = 5, FileMode = 0x1B6 },
        new() { Path = "/dev/full", Type = "c", Major = 1, Minor = 7, FileMode = 0x1B6 },
        new() { Path = "/dev/random", Type = "c", Major = 1, Minor = 8, FileMode = 0x1B6 },
        new() { Path = "/dev/urandom", Type = "c", Major = 1, Minor = 9, FileMode = 0x1B6 },
        new() { Path = "/dev/tty", Type = "c", Major = 5, Minor = 0, FileMode = 0x1B6 },
    ];

    public static ulong MakeDev(long major, long minor) =>
        (((ulong)major & 0xfffff000UL) << 32) | (((ulong)major & 0xfffUL) << 8) |
        (((ulong)minor & 0xffffff00UL) << 12) | ((ulong)minor & 0xffUL);

    public static (long Major, long Minor) Split(ulong dev) =>
        ((long)(((dev >> 32) & 0xfffff000UL) | ((dev >> 8) & 0xfffUL)),
         (long)(((dev >> 12) & 0xffffff00UL) | (dev & 0xffUL)));

    public static uint TypeBits(string type) => type switch
    {
        "c" or "u" => S_IFCHR,
        "b" => S_IFBLK,
        "p" => S_IFIFO,
        _ => throw new InvalidDataException($"device type \"{type}\" is not one of c, u, b, p"),
    };

    public static void Create(InRoot root, LinuxDevice dev, bool bindFromHost)
    {
        if (bindFromHost)
        {
            var target = root.CreateFile(dev.Path);
            try { MountCalls.Bind(dev.Path, -1, target, dev.Path, false, 0, 0, 0); }
            finally { Libc.Close(target); }
            return;
        }
        var (parent, name) = root.OpenParent(dev.Path);
        try
        {
            Libc.UnlinkAt(parent, name, 0);
            var mode = TypeBits(dev.Type) | ((dev.FileMode ?? 0x1B6) & 0xFFF);
            var rdev = dev.Type == "p" ? 0 : MakeDev(dev.Major, dev.Minor);
            if (Libc.MknodAt(parent, name, mode, rdev) < 0)
                throw ErrnoException.FromLast($"mknod {dev.Path} ({dev.Type} {dev.Major}:{dev.Minor})");
            if (Libc.FchownAt(parent, name, dev.Uid ?? 0, dev.Gid ?? 0, O.AT_SYMLINK_NOFOLLOW) < 0)
                throw ErrnoException.FromLast($"chown {dev.Path}");
            // mknod is subject to the umask: set the mode the config asked for.
            var fd = Libc.OpenAt(parent, name, O.PATH | O.NOFOLLOW | O.CLOEXEC, 0);
            if (fd >= 0)
            {
                // fchmod does not work on O_PATH fds; go through the magic link.
                var path = MountCalls.FdPath(fd);
                if (Libc.Chmod(path, (dev.FileMode ?? 0x1B6) & 0xFFF) < 0)
                    throw ErrnoException.FromLast($"chmod {dev.Path}");
                Libc.Close(fd);
            }
        }
        finally { Libc.Close(parent); }
    }

    public static void Symlinks(InRoot root, bool procKcoreExists)
    {
        var links = new List<(string, string)>
        {
            ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"),
        };
        if (procKcoreExists) links.Add(("/proc/kcore", "/dev/core"));
        foreach (var (target, link) in links)
        {
            var (parent, name) = root.OpenParent(link);
            try
            {
                if (Libc.SymlinkAt(target, parent, name) < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
                    throw ErrnoException.FromLast($"symlink {target} {link}");
            }
            finally { Libc.Close(parent); }
        }
    }
}
