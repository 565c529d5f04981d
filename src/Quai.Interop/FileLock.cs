using System.Runtime.InteropServices;

namespace Quai.Interop;

/// <summary>An exclusive (or shared) <c>flock</c>, held until disposed: the one lock primitive between
/// Quai processes. Lock files live outside the directories they guard, so that removing a
/// directory never races with a process that is about to lock it.</summary>
public sealed partial class FileLock : IDisposable
{
    private const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;
    private int _fd;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int op);

    private FileLock(int fd) => _fd = fd;

    private readonly string? _path;

    /// <summary>Locks <paramref name="path"/>, creating it (0600) if needed. The lock file may be
    /// removed by its holder (<see cref="RemoveFile"/>): a waiter that then gets the lock of the
    /// unlinked file notices (the path no longer names its inode) and locks the new one.</summary>
    public FileLock(string path, bool exclusive = true)
    {
        _path = path;
        while (true)
        {
            _fd = Libc.Open(path, O.RDWR | O.CREAT | O.CLOEXEC | O.NOFOLLOW, 0x180);
            if (_fd < 0) throw ErrnoException.FromLast($"open lock {path}");
            try { Take(_fd, exclusive ? LOCK_EX : LOCK_SH, path); }
            catch { Libc.Close(_fd); _fd = -1; throw; }
            if (Libc.Fstat(_fd, out var held) == 0 && Libc.FstatAt(O.AT_FDCWD, path, out var now, O.AT_SYMLINK_NOFOLLOW) == 0
                && held.Ino == now.Ino && held.Dev == now.Dev)
                return;
            Libc.Close(_fd);
        }
    }

    /// <summary>Removes the lock file while holding the lock (the object it guarded is gone).</summary>
    public void RemoveFile()
    {
        if (_path is not null && _fd >= 0) Libc.UnlinkAt(O.AT_FDCWD, _path, 0);
    }

    /// <summary>Locks an existing directory or file without creating anything; null when it does not exist.</summary>
    public static FileLock? TryOnExisting(string path, bool exclusive = true)
    {
        var fd = Libc.Open(path, O.RDONLY | O.CLOEXEC | O.NOFOLLOW, 0);
        if (fd < 0)
        {
            if (Marshal.GetLastPInvokeError() == Errno.ENOENT) return null;
            throw ErrnoException.FromLast($"open lock {path}");
        }
        try { Take(fd, exclusive ? LOCK_EX : LOCK_SH, path); }
        catch { Libc.Close(fd); throw; }
        return new FileLock(fd);
    }

    /// <summary>Takes the lock only if nobody holds it; null otherwise.</summary>
    public static FileLock? TryTake(string path, bool exclusive = true)
    {
        var fd = Libc.Open(path, O.RDWR | O.CREAT | O.CLOEXEC | O.NOFOLLOW, 0x180);
        if (fd < 0) throw ErrnoException.FromLast($"open lock {path}");
        while (Flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0)
        {
            var e = Marshal.GetLastPInvokeError();
            if (e == Errno.EINTR) continue;
            Libc.Close(fd);
            if (e == Errno.EAGAIN) return null;
            throw new ErrnoException($"flock {path}", e);
        }
        return new FileLock(fd);
    }

    private static void Take(int fd, int op, string path)
    {
        while (Flock(fd, op) < 0)
        {
            var e = Marshal.GetLastPInvokeError();
            if (e != Errno.EINTR) throw new ErrnoException($"flock {path}", e);
        }
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }
}
