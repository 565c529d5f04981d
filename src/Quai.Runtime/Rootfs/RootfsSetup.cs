using Quai.Fs;
using System.Runtime.InteropServices;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Launch;

namespace Quai.Runtime.Rootfs;

/// <summary>Builds the container's filesystem view inside its new mount namespace: rootfs as a
/// mount point, the config's mounts, /dev, masked and read-only paths, then pivot_root.
/// Runs in the container's init, before the user process exists.</summary>
public sealed class RootfsSetup(InitConfig config)
{
    private readonly Spec _spec = config.Spec;
    private readonly string _rootfs = config.RootfsPath;
    private InRoot? _root;
    /// <summary>tmpfs mounts asked read-only: mounted writable, populated (devices, console), and
    /// made read-only at the end (runc), or creating /dev's nodes would fail with EROFS.</summary>
    private readonly List<string> _readonlyTmpfs = [];

    private InRoot Root => _root ?? throw new InvalidOperationException("rootfs not prepared");

    /// <summary>Mount propagation, the rootfs bind, every mount of the config and /dev.</summary>
    public void Prepare()
    {
        var propagation = MS.SLAVE | MS.REC;
        // An unbindable root could not be bound onto itself: it gets its propagation after pivot_root.
        if (_spec.Linux?.RootfsPropagation is { Length: > 0 } rp && (PropagationFlag(rp) & MS.UNBINDABLE) == 0)
            propagation = PropagationFlag(rp);
        if (Libc.Mount(null, "/", null, propagation, null) < 0)
            throw ErrnoException.FromLast("set propagation of / in the container's mount namespace");
        MakeParentMountPrivate(_rootfs);
        if (Libc.Mount(_rootfs, _rootfs, null, MS.BIND | MS.REC, null) < 0)
            throw ErrnoException.FromLast($"bind rootfs {_rootfs} onto itself");
        _root = new InRoot(_rootfs);

        var mounts = _spec.Mounts ?? [];
        var devIsBound = mounts.Any(m => InRoot.Clean(m.Destination) == "dev" && MountOptions.Parse(m.Options).IsBind);
        foreach (var m in mounts) MountOne(m);
        if (!devIsBound)
        {
            var bind = config.InUserNamespace;
            foreach (var d in Devices.Default)
                if (!(_spec.Linux?.Devices?.Any(x => InRoot.Clean(x.Path) == InRoot.Clean(d.Path)) ?? false))
                    Devices.Create(Root, d, bind);
            foreach (var d in _spec.Linux?.Devices ?? []) Devices.Create(Root, d, bind);
            Devices.Symlinks(Root, File.Exists("/proc/kcore"));
            var ptmxDir = Root.TryOpen("dev/pts", O.PATH | O.DIRECTORY);
            if (ptmxDir >= 0)
            {
                Libc.Close(ptmxDir);
                var (parent, name) = Root.OpenParent("dev/ptmx");
                try
                {
                    Libc.UnlinkAt(parent, name, 0);
                    if (Libc.SymlinkAt("pts/ptmx", parent, name) < 0)
                        throw ErrnoException.FromLast("symlink pts/ptmx /dev/ptmx");
                }
                finally { Libc.Close(parent); }
            }
        }
        else
        {
            // /dev is the user's own bind: still create the devices they asked for.
            foreach (var d in _spec.Linux?.Devices ?? []) Devices.Create(Root, d, config.InUserNamespace);
        }
    }

    /// <summary>Creates a directory (and its parents) inside the rootfs, resolved in-root.</summary>
    public void MkdirAll(string path)
    {
        if (string.IsNullOrEmpty(path) || InRoot.Clean(path).Length == 0) return;
        Libc.Close(Root.MkdirAll(path));
    }

    /// <summary>Binds the terminal's slave over /dev/console, as runc does.</summary>
    public void BindConsole(string slavePath)
    {
        var target = Root.CreateFile("dev/console", 0x180);
        try { MountCalls.Bind(slavePath, -1, target, "/dev/console", false, 0, 0, 0); }
        finally { Libc.Close(target); }
    }

    /// <summary>After pivot_root: masked paths get /dev/null (files) or an empty read-only tmpfs
    /// (directories); read-only paths are bound onto themselves read-only. Targets are resolved
    /// inside the root refusing every symlink, and the /dev/null used is checked to be the real
    /// 1:3 device, so a container cannot redirect either (the 2025 runc advisories).</summary>
    public void MaskAndProtect()
    {
        foreach (var path in _spec.Linux?.ReadonlyPaths ?? [])
        {
            var fd = Root.TryOpen(path, O.PATH | O.NOFOLLOW, noSymlinks: true);
            if (fd == -Errno.ENOENT) continue;
            if (fd < 0) throw new ErrnoException($"open readonly path {path}", -fd);
            try { MountCalls.Bind(path, fd, fd, path, true, MountOptions.AttrRdonly, 0, 0); }
            finally { Libc.Close(fd); }
        }
        int devNull = -1;
        try
        {
            foreach (var path in _spec.Linux?.MaskedPaths ?? [])
            {
                var fd = Root.TryOpen(path, O.PATH | O.NOFOLLOW, noSymlinks: true);
                if (fd == -Errno.ENOENT) continue;
                if (fd < 0) throw new ErrnoException($"open masked path {path}", -fd);
                try
                {
                    if (Libc.Fstat(fd, out var st) < 0) throw ErrnoException.FromLast($"stat masked path {path}");
                    if ((st.Mode & Devices.S_IFMT) == Devices.S_IFDIR)
                        MountCalls.MountAt("tmpfs", fd, path, "tmpfs", MS.RDONLY, null);
                    else
                    {
                        if (devNull < 0) devNull = OpenVerifiedDevNull();
                        MountCalls.Bind("/dev/null", devNull, fd, path, false, 0, 0, 0);
                    }
                }
                finally { Libc.Close(fd); }
            }
        }
        finally { if (devNull >= 0) Libc.Close(devNull); }
    }

    private static int OpenVerifiedDevNull()
    {
        var fd = Libc.Open("/dev/null", O.PATH | O.NOFOLLOW | O.CLOEXEC, 0);
        if (fd < 0) throw ErrnoException.FromLast("open /dev/null");
        if (Libc.Fstat(fd, out var st) < 0 || (st.Mode & Devices.S_IFMT) != Devices.S_IFCHR || Devices.Split(st.Rdev) != (1, 3))
        {
            Libc.Close(fd);
            throw new IOException("mask paths: /dev/null is not the null device (1:3); refusing to use it");
        }
        return fd;
    }

    /// <summary>pivot_root into the rootfs and detach the old root (or chroot with --no-pivot).</summary>
    public void EnterRoot(bool noPivot)
    {
        if (noPivot)
        {
            if (Libc.Chdir(_rootfs) < 0) throw ErrnoException.FromLast($"chdir {_rootfs}");
            if (Libc.Mount(_rootfs, "/", null, MS.MOVE, null) < 0) throw ErrnoException.FromLast($"move rootfs {_rootfs} to /");
            if (Libc.Chroot(".") < 0) throw ErrnoException.FromLast($"chroot {_rootfs}");
        }
        else
        {
            var oldRoot = Libc.Open("/", O.DIRECTORY | O.RDONLY | O.CLOEXEC, 0);
            if (oldRoot < 0) throw ErrnoException.FromLast("open /");
            var newRoot = Libc.Open(_rootfs, O.DIRECTORY | O.RDONLY | O.CLOEXEC, 0);
            if (newRoot < 0) throw ErrnoException.FromLast($"open rootfs {_rootfs}");
            try
            {
                if (Libc.Fchdir(newRoot) < 0) throw ErrnoException.FromLast($"chdir {_rootfs}");
                if (PivotRoot(".", ".") < 0) throw ErrnoException.FromLast($"pivot_root {_rootfs}");
                if (Libc.Fchdir(oldRoot) < 0) throw ErrnoException.FromLast("chdir old root");
                if (Libc.Mount(null, ".", null, MS.SLAVE | MS.REC, null) < 0) throw ErrnoException.FromLast("make old root rslave");
                if (Libc.Umount2(".", MS.MNT_DETACH) < 0) throw ErrnoException.FromLast("unmount old root");
            }
            finally
            {
                Libc.Close(oldRoot);
                Libc.Close(newRoot);
            }
        }
        if (Libc.Chdir("/") < 0) throw ErrnoException.FromLast("chdir /");
        // From now on paths resolve inside the container's own root.
        _root?.Dispose();
        _root = new InRoot("/");
        if (_spec.Linux?.RootfsPropagation is { Length: > 0 } rp && Libc.Mount(null, "/", null, PropagationFlag(rp), null) < 0)
            throw ErrnoException.FromLast($"set rootfsPropagation {rp} on /");
        foreach (var dest in _readonlyTmpfs)
        {
            var t = Root.Open(dest, O.PATH);
            try { MountCalls.SetAttr(t, $"remount {dest} read-only", MountOptions.AttrRdonly, 0, 0, false); }
            finally { Libc.Close(t); }
        }
        if (_spec.Root?.Readonly == true)
        {
            var fd = Libc.Open("/", O.PATH | O.DIRECTORY | O.CLOEXEC, 0);
            try { MountCalls.SetAttr(fd, "remount / read-only", MountOptions.AttrRdonly, 0, 0, false); }
            finally { Libc.Close(fd); }
        }
    }

    /// <summary>Without a mount namespace the container only gets chroot (runc does the same).</summary>
    public void ChrootOnly()
    {
        if (Libc.Chroot(_rootfs) < 0) throw ErrnoException.FromLast($"chroot {_rootfs}");
        if (Libc.Chdir("/") < 0) throw ErrnoException.FromLast("chdir /");
    }

    private void MountOne(Mount m)
    {
        if (!m.Destination.StartsWith('/'))
            throw new InvalidDataException($"mount destination {m.Destination} is not an absolute path");
        var o = MountOptions.Parse(m.Options);
        if (o.IdMap || o.RecursiveIdMap || m.UidMappings is { Count: > 0 })
            throw new NotSupportedException($"mount {m.Destination}: id-mapped mounts are not supported by this runtime");
        var type = m.Type ?? "";
        if (o.IsBind || type == "bind")
        {
            MountBind(m, o);
            return;
        }
        if (type == "cgroup" || type == "cgroup2")
        {
            MountCgroup(m, o);
            return;
        }
        var target = Root.MkdirAll(m.Destination);
        try
        {
            if (type is "proc" or "sysfs")
            {
                // must be a real directory, not a symlink redirected elsewhere
                if (Libc.Fstat(target, out var st) < 0 || (st.Mode & Devices.S_IFMT) != Devices.S_IFDIR)
                    throw new IOException($"mount {type} on {m.Destination}: not a directory");
            }
            var flags = o.Flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
            try
            {
                if (type == "tmpfs" && (flags & MS.RDONLY) != 0)
                {
                    _readonlyTmpfs.Add(m.Destination);
                    flags &= ~MS.RDONLY;
                }
                if (o.TmpCopyUp && type == "tmpfs") MountTmpfsCopyUp(m, target, flags, o.Data);
                else MountCalls.MountAt(m.Source ?? type, target, m.Destination, type, flags, o.Data);
            }
            catch (ErrnoException e) when (e.Code == Errno.EPERM && type is "sysfs" or "mqueue" && config.InUserNamespace)
            {
                // A user namespace that does not own the network/ipc namespace may not mount
                // these: fall back to binding the host's, read-only, as runc does for sysfs.
                MountCalls.Bind(type == "sysfs" ? "/sys" : "/dev/mqueue", -1, target, m.Destination, true,
                    MountOptions.AttrRdonly | MountOptions.AttrNosuid | MountOptions.AttrNodev | MountOptions.AttrNoexec, 0, 0);
            }
            ApplyPropagationAndRecursive(m, o);
        }
        finally { Libc.Close(target); }
    }

    private void MountBind(Mount m, MountOptions o)
    {
        var source = m.Source ?? throw new InvalidDataException($"bind mount on {m.Destination} has no source");
        if (!Path.IsPathRooted(source)) source = Path.GetFullPath(Path.Combine(config.Bundle, source));
        var srcFd = Libc.Open(source, O.PATH | O.CLOEXEC, 0);
        if (srcFd < 0) throw ErrnoException.FromLast($"bind mount source {source} for {m.Destination}");
        try
        {
            if (Libc.Fstat(srcFd, out var st) < 0) throw ErrnoException.FromLast($"stat {source}");
            var isDir = (st.Mode & Devices.S_IFMT) == Devices.S_IFDIR;
            var target = isDir ? Root.MkdirAll(m.Destination) : Root.CreateFile(m.Destination);
            try
            {
                var (set, clear) = MountCalls.BindAttributes(o);
                MountCalls.Bind(source, srcFd, target, m.Destination, o.IsRecursiveBind, set, clear, 0);
            }
            finally { Libc.Close(target); }
        }
        finally { Libc.Close(srcFd); }
        ApplyPropagationAndRecursive(m, o);
    }

    private void ApplyPropagationAndRecursive(Mount m, MountOptions o)
    {
        if (o.Propagation.Count == 0 && o.RecursiveSet == 0 && o.RecursiveClear == 0) return;
        // Reopen: the fd used to mount still points at the covered directory, not the new mount.
        var fd = Root.Open(m.Destination, O.PATH);
        try
        {
            foreach (var p in o.Propagation) MountCalls.SetPropagation(fd, m.Destination, p);
            if (o.RecursiveSet != 0 || o.RecursiveClear != 0)
                MountCalls.SetAttr(fd, $"mount {m.Destination}", o.RecursiveSet, o.RecursiveClear, 0, true);
        }
        finally { Libc.Close(fd); }
    }

    private void MountTmpfsCopyUp(Mount m, int target, ulong flags, string data)
    {
        // Keep a handle on the directory about to be covered, mount, then copy its content up.
        var below = Root.Open(m.Destination, O.RDONLY | O.DIRECTORY);
        try
        {
            MountCalls.MountAt("tmpfs", target, m.Destination, "tmpfs", flags & ~MS.RDONLY, data);
            var top = Root.Open(m.Destination, O.RDONLY | O.DIRECTORY);
            try { CopyTree(MountCalls.FdPath(below), MountCalls.FdPath(top)); }
            finally { Libc.Close(top); }
            if ((flags & MS.RDONLY) != 0)
            {
                var fd = Root.Open(m.Destination, O.PATH);
                try { MountCalls.SetAttr(fd, $"remount {m.Destination} read-only", MountOptions.AttrRdonly, 0, 0, false); }
                finally { Libc.Close(fd); }
            }
        }
        finally { Libc.Close(below); }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var dest = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(dest, link);
            else if (entry is DirectoryInfo d)
            {
                Directory.CreateDirectory(dest, d.UnixFileMode);
                CopyTree(d.FullName, dest);
            }
            else if (entry is FileInfo f && (f.Attributes & FileAttributes.Device) == 0)
            {
                f.CopyTo(dest);
                File.SetUnixFileMode(dest, f.UnixFileMode);
            }
        }
    }

    private void MountCgroup(Mount m, MountOptions o)
    {
        var target = Root.MkdirAll(m.Destination);
        var flags = o.Flags & ~(MS.BIND | MS.REC);
        try
        {
            if (config.CgroupMode == "v2")
            {
                if (config.NewCgroupNamespace)
                    MountCalls.MountAt("cgroup2", target, m.Destination, "cgroup2", flags, null);
                else if (config.CgroupPaths.TryGetValue("", out var dir) && Directory.Exists(dir))
                    MountCalls.Bind(dir, -1, target, m.Destination, false, MountCalls.BindAttributes(o).Set, 0, 0);
                return;
            }
            // v1: a tmpfs holding one directory per hierarchy, as runc lays it out.
            MountCalls.MountAt("tmpfs", target, m.Destination, "tmpfs", MS.NOSUID | MS.NODEV | MS.NOEXEC, "mode=755");
        }
        finally { Libc.Close(target); }
        foreach (var (hierarchy, options, hostDir) in config.CgroupV1Mounts)
        {
            var sub = Root.MkdirAll(m.Destination + "/" + hierarchy);
            try
            {
                if (config.NewCgroupNamespace)
                    MountCalls.MountAt("cgroup", sub, m.Destination + "/" + hierarchy, "cgroup", flags, options);
                else if (Directory.Exists(hostDir))
                    MountCalls.Bind(hostDir, -1, sub, m.Destination + "/" + hierarchy, false, MountCalls.BindAttributes(o).Set, 0, 0);
            }
            finally { Libc.Close(sub); }
        }
        if ((flags & MS.RDONLY) != 0)
        {
            var fd = Root.Open(m.Destination, O.PATH);
            try { MountCalls.SetAttr(fd, $"remount {m.Destination} read-only", MountOptions.AttrRdonly, 0, 0, false); }
            finally { Libc.Close(fd); }
        }
    }

    /// <summary>pivot_root fails when the rootfs's parent mount is shared: make it private.</summary>
    private static void MakeParentMountPrivate(string rootfs)
    {
        // The longest mount point that is a prefix of the rootfs; the last one mounted wins.
        Cgroups.MountInfoEntry? holder = null;
        foreach (var m in Cgroups.MountInfo.ReadSelf())
            if ((rootfs == m.MountPoint || rootfs.StartsWith(m.MountPoint == "/" ? "/" : m.MountPoint + "/", StringComparison.Ordinal))
                && (holder == null || m.MountPoint.Length >= holder.MountPoint.Length))
                holder = m;
        if (holder is { IsShared: true })
            Libc.Mount(null, holder.MountPoint, null, MS.PRIVATE, null);
    }

    public static ulong PropagationFlag(string name) => name switch
    {
        "private" => MS.PRIVATE, "rprivate" => MS.PRIVATE | MS.REC, "shared" => MS.SHARED,
        "rshared" => MS.SHARED | MS.REC, "slave" => MS.SLAVE, "rslave" => MS.SLAVE | MS.REC,
        "unbindable" => MS.UNBINDABLE, "runbindable" => MS.UNBINDABLE | MS.REC,
        _ => throw new InvalidDataException($"rootfsPropagation \"{name}\" is not a propagation type"),
    };

    private static int PivotRoot(string newRoot, string putOld)
    {
        unsafe
        {
            var a = System.Text.Encoding.UTF8.GetBytes(newRoot + "\0");
            var b = System.Text.Encoding.UTF8.GetBytes(putOld + "\0");
            fixed (byte* pa = a, pb = b) return (int)Libc.Syscall(Sys.PivotRoot, (long)pa, (long)pb, 0, 0, 0);
        }
    }
}
