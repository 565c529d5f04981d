using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Engine.Interop;

internal static partial class EngineNative
{
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int op);

    internal const int LOCK_SH = 1, LOCK_EX = 2, LOCK_UN = 8;

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    internal static partial int Dup(int fd);
}

/// <summary>An exclusive (or shared) flock on a file, held until disposed. Safe across processes.</summary>
public sealed class FileLock : IDisposable
{
    private int _fd;

    public FileLock(string path, bool exclusive = true)
    {
        _fd = Libc.Open(path, O.RDWR | O.CREAT | O.CLOEXEC, 0x180);
        if (_fd < 0) throw ErrnoException.FromLast($"open {path}");
        while (EngineNative.Flock(_fd, exclusive ? EngineNative.LOCK_EX : EngineNative.LOCK_SH) < 0)
        {
            if (Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
            var e = ErrnoException.FromLast($"flock {path}");
            Libc.Close(_fd);
            throw e;
        }
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }
}
