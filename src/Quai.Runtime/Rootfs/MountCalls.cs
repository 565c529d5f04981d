using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Runtime.Rootfs;

/// <summary>fd-based mount primitives: a mount target is always an fd opened inside the rootfs,
/// never a path the container could have redirected.</summary>
public static unsafe class MountCalls
{
    private const long SysOpenTree = 428, SysMoveMount = 429;
    private const int OpenTreeClone = 1, MoveMountFEmptyPath = 4, MoveMountTEmptyPath = 0x40;

    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr { public ulong AttrSet, AttrClr, Propagation, UsernsFd; }

    public static string FdPath(int fd) => $"/proc/self/fd/{fd}";

    /// <summary>mount(2) a new filesystem onto the directory or file behind <paramref name="targetFd"/>.</summary>
    public static void MountAt(string? source, int targetFd, string display, string? fsType, ulong flags, string? data)
    {
        if (Libc.Mount(source, FdPath(targetFd), fsType, flags, string.IsNullOrEmpty(data) ? null : data) < 0)
            throw ErrnoException.FromLast($"mount {source ?? fsType} on {display} (type {fsType}, flags 0x{flags:x}, data \"{data}\")");
    }

    public static void SetPropagation(int targetFd, string display, ulong propagation)
    {
        if (Libc.Mount(null, FdPath(targetFd), null, propagation, null) < 0)
            throw ErrnoException.FromLast($"set propagation 0x{propagation:x} on {display}");
    }

    /// <summary>Clones the mount tree at <paramref name="sourcePath"/> (recursively for rbind), sets
    /// its attributes while it is still detached, and attaches it at <paramref name="targetFd"/>.</summary>
    public static void Bind(string sourcePath, int sourceFd, int targetFd, string display, bool recursive,
        ulong attrSet, ulong attrClear, ulong propagation)
    {
        var src = System.Text.Encoding.UTF8.GetBytes(sourceFd >= 0 ? "\0" : sourcePath + "\0");
        var empty = stackalloc byte[1];
        empty[0] = 0;
        int tree;
        fixed (byte* s = src)
        {
            var flags = OpenTreeClone | O.CLOEXEC | (recursive ? O.AT_RECURSIVE : 0) | (sourceFd >= 0 ? O.AT_EMPTY_PATH : 0);
            tree = (int)Libc.Syscall(SysOpenTree, sourceFd >= 0 ? sourceFd : O.AT_FDCWD, (long)s, flags, 0, 0);
        }
        if (tree < 0) throw ErrnoException.FromLast($"bind {sourcePath} on {display}: open_tree");
        try
        {
            if (attrSet != 0 || attrClear != 0 || propagation != 0)
                SetAttr(tree, $"bind {sourcePath} on {display}", attrSet, attrClear, propagation, recursive);
            if (Libc.Syscall(SysMoveMount, tree, (long)empty, targetFd, (long)empty, MoveMountFEmptyPath | MoveMountTEmptyPath) < 0)
                throw ErrnoException.FromLast($"bind {sourcePath} on {display}: move_mount");
        }
        finally { Libc.Close(tree); }
    }

    public static void SetAttr(int fd, string display, ulong attrSet, ulong attrClear, ulong propagation, bool recursive)
    {
        var attr = new MountAttr { AttrSet = attrSet, AttrClr = attrClear, Propagation = propagation };
        var empty = stackalloc byte[1];
        empty[0] = 0;
        if (Libc.Syscall(Sys.MountSetattr, fd, (long)empty, O.AT_EMPTY_PATH | (recursive ? O.AT_RECURSIVE : 0), (long)&attr, sizeof(MountAttr)) < 0)
            throw ErrnoException.FromLast($"{display}: mount_setattr set 0x{attrSet:x} clear 0x{attrClear:x}");
    }

    /// <summary>Converts MS_* flags of a bind mount's options into mount_setattr attributes.</summary>
    public static (ulong Set, ulong Clear) BindAttributes(MountOptions o)
    {
        ulong set = 0, clear = 0;
        void Map(ulong ms, ulong attr)
        {
            if ((o.Flags & ms) != 0) set |= attr;
            else if ((o.ClearFlags & ms) != 0) clear |= attr;
        }
        Map(MS.RDONLY, MountOptions.AttrRdonly);
        Map(MS.NOSUID, MountOptions.AttrNosuid);
        Map(MS.NODEV, MountOptions.AttrNodev);
        Map(MS.NOEXEC, MountOptions.AttrNoexec);
        Map(MS.NODIRATIME, MountOptions.AttrNodiratime);
        Map(MS.NOSYMFOLLOW, MountOptions.AttrNosymfollow);
        if ((o.Flags & MS.NOATIME) != 0) { clear |= MountOptions.AttrAtimeMask; set |= MountOptions.AttrNoatime; }
        else if ((o.Flags & MS.STRICTATIME) != 0) { clear |= MountOptions.AttrAtimeMask; set |= MountOptions.AttrStrictatime; }
        else if ((o.Flags & MS.RELATIME) != 0) clear |= MountOptions.AttrAtimeMask;
        return (set, clear);
    }
}
