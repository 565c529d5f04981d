using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Fs;

/// <summary>Records written so that a crash leaves either the old or the new content, never a torn
/// file: a temporary file in the same directory, written, fsync'd, renamed over the target, then the
/// directory fsync'd so the rename itself survives a power cut.</summary>
public static unsafe class AtomicFile
{
    /// <param name="mode">permissions of the new file (records are 0600: the store is private)</param>
    public static void Write(string path, ReadOnlySpan<byte> content, uint mode = 0x180)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        var fd = Libc.Open(tmp, O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC | O.NOFOLLOW, (int)mode);
        if (fd < 0) throw ErrnoException.FromLast($"create {tmp}");
        try
        {
            fixed (byte* p = content)
            {
                var off = 0;
                while (off < content.Length)
                {
                    var n = Libc.Write(fd, p + off, content.Length - off);
                    if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    if (n < 0) throw ErrnoException.FromLast($"write {tmp}");
                    off += (int)n;
                }
            }
            if (Libc.Fsync(fd) < 0) throw ErrnoException.FromLast($"fsync {tmp}");
        }
        catch
        {
            Libc.Close(fd);
            Libc.UnlinkAt(O.AT_FDCWD, tmp, 0);
            throw;
        }
        Libc.Close(fd);
        if (Libc.RenameAt(O.AT_FDCWD, tmp, O.AT_FDCWD, path) < 0)
        {
            var e = ErrnoException.FromLast($"rename {tmp} to {path}");
            Libc.UnlinkAt(O.AT_FDCWD, tmp, 0);
            throw e;
        }
        SyncDirectory(dir);
    }

    /// <summary>fsync of a directory: makes creations, renames and removals in it durable.</summary>
    public static void SyncDirectory(string dir)
    {
        var fd = Libc.Open(dir, O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
        if (fd < 0) return;
        Libc.Fsync(fd);
        Libc.Close(fd);
    }
}
