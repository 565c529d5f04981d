using Quai.Interop;
using Quai.Network.Netlink;

namespace Quai.Network.Netns;

/// <summary>A network namespace kept alive by a bind mount on a file (as `ip netns add` does), so
/// the engine can configure it before the runtime creates the container, which then joins it by path.
/// Namespace switches happen on a short-lived thread of their own: network namespaces are per thread,
/// and the caller's thread never leaves its namespace.</summary>
public static class NetnsFile
{
    private const int CLONE_NEWNET = 0x40000000;
    private const int MNT_DETACH = 2;
    private const ulong MS_BIND = 0x1000;

    /// <summary>Creates a new namespace bound at <paramref name="path"/> (which must not exist) with
    /// its loopback up.</summary>
    public static void Create(string path)
    {
        var fd = Libc.Open(path, 0x40 /* O_CREAT */ | 0x80 /* O_EXCL */ | 0x80000 /* O_CLOEXEC */ | 1 /* O_WRONLY */, 0x180);
        if (fd < 0) throw ErrnoException.FromLast($"create network namespace file {path}");
        Libc.Close(fd);
        try
        {
            OnThread(() =>
            {
                var self = Libc.Open("/proc/thread-self/ns/net", 0x80000, 0);
                if (self < 0) throw ErrnoException.FromLast("open /proc/thread-self/ns/net");
                try
                {
                    if (Libc.Unshare(CLONE_NEWNET) < 0) throw ErrnoException.FromLast("unshare(CLONE_NEWNET)");
                    try
                    {
                        if (Libc.Mount("/proc/thread-self/ns/net", path, null, MS_BIND, null) < 0)
                            throw ErrnoException.FromLast($"bind network namespace on {path}");
                        using var rt = new Rtnl();
                        rt.SetUp("lo");
                    }
                    finally
                    {
                        if (Libc.Setns(self, CLONE_NEWNET) < 0) Environment.FailFast("setns back to the engine's network namespace: " + Libc.LastErrno);
                    }
                }
                finally { Libc.Close(self); }
            });
        }
        catch
        {
            Remove(path);
            throw;
        }
    }

    /// <summary>Unmounts and deletes a namespace file; a file whose mount is already gone (a reboot) is just deleted.</summary>
    public static void Remove(string path)
    {
        if (Libc.Umount2(path, MNT_DETACH) < 0 && Libc.LastErrno is not (Errno.EINVAL or Errno.ENOENT))
            throw ErrnoException.FromLast($"unmount network namespace {path}");
        try { File.Delete(path); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>True when <paramref name="path"/> is a bound network namespace.</summary>
    public static bool IsBound(string path)
    {
        var fd = Libc.Open(path, 0x80000, 0);
        if (fd < 0) return false;
        try { return Libc.Fstatfs(fd, out var st) == 0 && st.Type == 0x6e736673 /* NSFS_MAGIC */; }
        finally { Libc.Close(fd); }
    }

    /// <summary>An fd of the namespace (for IFLA_NET_NS_FD); the caller closes it.</summary>
    public static int Open(string path)
    {
        var fd = Libc.Open(path, 0x80000, 0);
        if (fd < 0) throw ErrnoException.FromLast($"open network namespace {path}");
        return fd;
    }

    /// <summary>An rtnetlink socket inside the namespace at <paramref name="path"/>.</summary>
    public static Rtnl OpenNetlink(string path) => OnThread(() => InNamespace(path, () => new Rtnl()));

    /// <summary>Runs <paramref name="action"/> with the calling thread in the namespace at <paramref name="path"/>, then moves it back.</summary>
    public static T InNamespace<T>(string path, Func<T> action)
    {
        var self = Libc.Open("/proc/thread-self/ns/net", 0x80000, 0);
        if (self < 0) throw ErrnoException.FromLast("open /proc/thread-self/ns/net");
        var target = Open(path);
        try
        {
            if (Libc.Setns(target, CLONE_NEWNET) < 0) throw ErrnoException.FromLast($"join network namespace {path}");
            try { return action(); }
            finally
            {
                if (Libc.Setns(self, CLONE_NEWNET) < 0) Environment.FailFast("setns back to the engine's network namespace: " + Libc.LastErrno);
            }
        }
        finally { Libc.Close(self); Libc.Close(target); }
    }

    /// <summary>Runs <paramref name="f"/> on a new thread and returns its result (or rethrows its exception).</summary>
    public static T OnThread<T>(Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() => { try { result = f(); } catch (Exception e) { error = e; } }, 256 * 1024) { Name = "netns" };
        t.Start();
        t.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }

    public static void OnThread(Action a) => OnThread<int>(() => { a(); return 0; });
}
