using Quai.Engine.Containers;
using Quai.Interop;
using Quai.Runtime;
using Quai.Runtime.Containers;

namespace Quai.Engine.Files;

/// <summary>A container's root directory held open as a descriptor: the one way host code reaches a
/// container's files (cp, export, ps -s, user lookup). Everything below it is resolved from this fd with
/// openat2(RESOLVE_IN_ROOT) or walked with O_NOFOLLOW (see Quai.Fs), never by a host path string.
/// <para>A running container is reached through its init's <c>/proc/PID/root</c>, so the walk sees its
/// volumes, binds and tmpfs mounts as the container does. The PID is checked against the start time the
/// runtime recorded through the same /proc/PID directory fd, so a recycled PID can never hand out another
/// process's root. A stopped or created container has its snapshot mounted in a private mount namespace
/// (never on the host) for the duration, with its volumes and binds bound in for cp, under the container's
/// lock so a concurrent start cannot mount it twice.</para></summary>
public sealed class ContainerRoot : IDisposable
{
    public int Fd => _fd.Fd;
    /// <summary>Names the root in messages ("container c1").</summary>
    public string Where { get; }
    /// <summary>Reached through a running container's /proc/PID/root: kernel filesystems (its /proc, /sys) are mounted in it.</summary>
    public bool Live { get; }
    private readonly SafeFd _fd;
    private readonly Action? _release;

    private ContainerRoot(int fd, string where, bool live, Action? release)
    {
        _fd = new SafeFd(fd);
        Where = where;
        Live = live;
        _release = release;
    }

    /// <summary>The container's whole view: its mounts included while it runs, its snapshot with its volumes and binds
    /// when it does not (docker cp).</summary>
    public static ContainerRoot Open(ContainerEngine engine, Container c) => OpenCore(engine, c, live: true);

    /// <summary>The container's rootfs snapshot only, without volumes, binds, /proc or /sys (docker export).</summary>
    public static ContainerRoot OpenRootfs(ContainerEngine engine, Container c) => OpenCore(engine, c, live: false);

    private static ContainerRoot OpenCore(ContainerEngine engine, Container c, bool live)
    {
        var where = $"container {c.Name.TrimStart('/')}";
        var lk = engine.Store.Lock(c.Id);
        try
        {
            c = engine.Store.Load(c.Id);
            if (ContainerEngine.IsActive(c.State) && engine.MonitorAlive(c))
            {
                lk.Dispose();
                if (live && c.State.Pid > 0 && TryOpenProcRoot(engine, c) is { } fd) return new ContainerRoot(fd, where, true, null);
                // running, but its init is between restarts or the record is older: the mounted snapshot
                var rootfs = engine.RootfsDir(c.Id);
                if (!Quai.Images.Snapshots.MountHelper.IsMountPoint(rootfs))
                    throw new ConflictException($"container {c.Id[..12]} is {c.State.Status} but its filesystem is not mounted");
                return new ContainerRoot(OpenStoreDir(rootfs), where, false, null);
            }
            // Not running: the snapshot is mounted in a private mount namespace and reached through the descriptor
            // alone (no mount on the host that a killed cp could leave behind); the lock, which start takes too, is
            // held until the descriptor is closed, so the snapshot's upper directory is never mounted twice.
            var dir = engine.RootfsDir(c.Id);
            if (Quai.Images.Snapshots.MountHelper.IsMountPoint(dir)) return new ContainerRoot(OpenStoreDir(dir), where, false, lk.Dispose);
            if (!live)
            {
                var rfd = engine.OpenRootfsPrivately(c);
                FaultPoint.Hit("engine.root.opened");
                return new ContainerRoot(rfd, where, false, lk.Dispose);
            }
            // cp: the snapshot with the container's volumes and binds, as Docker shows a stopped container
            var (vfd, hold) = engine.OpenStoppedViewPrivately(c);
            FaultPoint.Hit("engine.root.opened");
            return new ContainerRoot(vfd, where, false, () =>
            {
                try { hold.Dispose(); }
                finally { lk.Dispose(); }
            });
        }
        catch
        {
            lk.Dispose();
            throw;
        }
    }

    /// <summary>The store's own directory (no component of it is the container's to change).</summary>
    private static int OpenStoreDir(string path)
        => NativeFs.OpenAt(NativeFs.AT_FDCWD, path, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, path);

    private static int? TryOpenProcRoot(ContainerEngine engine, Container c)
    {
        ulong recorded;
        try { recorded = engine.Runtime.Store.Load(c.Id).InitStartTime; }
        catch (Exception e) when (e is IOException or RuntimeException or System.Text.Json.JsonException) { return null; }
        var pidDir = NativeFs.TryOpenAt(NativeFs.AT_FDCWD, $"/proc/{c.State.Pid}", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0);
        if (pidDir < 0) return null;
        try
        {
            if (recorded == 0 || StartTimeOf(pidDir) != recorded) return null;
            // openat on the /proc/PID fd: if PID died and was reused since, this fails instead of opening the newcomer's root
            var root = NativeFs.TryOpenAt(pidDir, "root", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0);
            return root >= 0 ? root : null;
        }
        finally { NativeFs.close(pidDir); }
    }

    private static ulong? StartTimeOf(int pidDir)
    {
        var fd = NativeFs.TryOpenAt(pidDir, "stat", NativeFs.O_RDONLY, 0);
        if (fd < 0) return null;
        using var f = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
        using var r = new StreamReader(f);
        return ProcStat.Parse(r.ReadToEnd())?.StartTime;
    }

    public void Dispose()
    {
        _fd.Dispose();
        _release?.Invoke();
    }
}
