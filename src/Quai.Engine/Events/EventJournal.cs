using Quai.Interop;

namespace Quai.Engine.Events;

/// <summary>The store's events journal, daemonless: <c>&lt;root&gt;/events/events.log</c>, one JSON event per line,
/// appended by every quai process (CLI and container monitors) with O_APPEND under an flock of
/// <c>events/events.lock</c>, so lines never interleave and rotation never loses one. When the log passes
/// <see cref="MaxBytes"/> it becomes <c>events.log.1</c> (the previous old file is dropped). Files are 0600 in a 0700
/// directory. Writing an event never fails the operation that reports it.</summary>
public sealed class EventJournal(string storeRoot)
{
    public const long DefaultMaxBytes = 4L << 20;

    public string Dir { get; } = Path.Combine(storeRoot, "events");
    public string LogPath => Path.Combine(Dir, "events.log");
    public string OldPath => LogPath + ".1";
    private string LockPath => Path.Combine(Dir, "events.lock");

    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Appends <paramref name="e"/>; errors (full disk, read-only store) are swallowed: events are a record
    /// of what happened, not a condition for it.</summary>
    public void Append(EngineEvent e)
    {
        try { AppendOrThrow(e); }
        catch (Exception x) when (x is IOException or UnauthorizedAccessException or ErrnoException) { }
    }

    public void AppendOrThrow(EngineEvent e)
    {
        if (!Directory.Exists(Dir)) Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var line = System.Text.Encoding.UTF8.GetBytes(e.ToJson() + "\n");
        using var held = new FileLock(LockPath);
        var info = new FileInfo(LogPath);
        if (info.Exists && info.Length + line.Length > MaxBytes && info.Length > 0) File.Move(LogPath, OldPath, overwrite: true);
        var fd = Libc.Open(LogPath, O.WRONLY | O.APPEND | O.CREAT | O.CLOEXEC | O.NOFOLLOW, 0x180);
        if (fd < 0) throw ErrnoException.FromLast($"open {LogPath}");
        try
        {
            using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, 1);
            stream.Write(line);
        }
        finally { Libc.Close(fd); }
    }

    /// <summary>Every event in the journal, oldest first (the rotated file, then the current one).</summary>
    public List<EngineEvent> ReadAll() => ReadUpTo(null);

    /// <summary>Where the journal ends now (the current file's inode and size): <see cref="ReadUpTo"/> reads the
    /// history before it and <see cref="Follow"/> continues from it, so no event is shown twice or missed.</summary>
    public (ulong Inode, long Size) Position() =>
        Libc.FstatAt(O.AT_FDCWD, LogPath, out var st, 0) == 0 ? (st.Ino, st.Size) : (0, 0);

    public List<EngineEvent> ReadUpTo((ulong Inode, long Size)? end)
    {
        var result = new List<EngineEvent>();
        foreach (var path in new[] { OldPath, LogPath })
        {
            long offset = 0;
            var pending = "";
            var events = ReadFrom(path, ref offset, ref pending, path == LogPath ? end?.Size : null);
            result.AddRange(events);
            if (pending.Length > 0 && EngineEvent.TryParse(pending) is { } last) result.Add(last);
        }
        return result;
    }

    /// <summary>Follows the journal from its current end: yields each event appended after the call (across a
    /// rotation) until <paramref name="ct"/> is cancelled. Polls every <paramref name="poll"/>.</summary>
    public IEnumerable<EngineEvent> Follow(CancellationToken ct, (ulong Inode, long Size)? from = null, TimeSpan? poll = null)
    {
        var interval = poll ?? TimeSpan.FromMilliseconds(100);
        long offset = 0;
        ulong inode = 0;
        (ulong Ino, long Size)? Stat()
        {
            if (Libc.FstatAt(O.AT_FDCWD, LogPath, out var st, 0) != 0) return null;
            return (st.Ino, st.Size);
        }
        if (from is { } f0) (inode, offset) = f0;
        else if (Stat() is { } s0) { inode = s0.Ino; offset = s0.Size; }
        var pending = "";
        while (!ct.IsCancellationRequested)
        {
            var s = Stat();
            if (s is { } cur && cur.Ino != inode)
            {
                // rotated: the rest of the old file (now events.log.1) first, then the new file from its start
                if (inode != 0) foreach (var e in ReadFrom(OldPath, ref offset, ref pending)) yield return e;
                inode = cur.Ino; offset = 0; pending = "";
            }
            if (s is not null) foreach (var e in ReadFrom(LogPath, ref offset, ref pending)) yield return e;
            if (ct.WaitHandle.WaitOne(interval)) yield break;
        }
    }

    private static List<EngineEvent> ReadFrom(string path, ref long offset, ref string pending, long? limit = null)
    {
        var result = new List<EngineEvent>();
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = limit is { } l ? Math.Min(l, f.Length) : f.Length;
            if (length <= offset) return result;
            f.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[length - offset];
            var n = f.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            offset += n;
            var text = pending + System.Text.Encoding.UTF8.GetString(buffer, 0, n);
            var lines = text.Split('\n');
            pending = lines[^1];
            foreach (var line in lines[..^1])
                if (EngineEvent.TryParse(line) is { } e) result.Add(e);
        }
        catch (FileNotFoundException) { }
        catch (DirectoryNotFoundException) { }
        return result;
    }
}

/// <summary>Image events as dockerd sends them (pull/push/tag/untag/delete/load/save/import/build): the actor is the
/// image's ID (or the reference, for pull and push), <c>name</c> the reference.</summary>
public static class ImageEvents
{
    public static void Emit(string storeRoot, string action, string id, string? name = null)
    {
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (name is not null) attrs["name"] = name;
        new EventJournal(storeRoot).Append(EngineEvent.Now("image", action, id, attrs));
    }
}
