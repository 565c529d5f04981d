using System.Text;

namespace Quai.Engine.Logs;

/// <summary>Reads a json-file log and then follows it (<c>logs -f</c>) without losing or repeating
/// an entry across rotations. It holds the current file open: when the path names a new file
/// (rotated to path.1), what was written to the old one before the rotation is read first, then
/// the new one from its start. A file truncated in place (max-file=1) is read again from its start.
/// Lines are only parsed once complete; a line a full disk cut is skipped.</summary>
public sealed class JsonFileLogFollower : IDisposable
{
    private readonly string _path;
    private FileStream? _current;
    private ulong _inode;
    private readonly StringBuilder _partial = new();
    private readonly byte[] _buffer = new byte[1 << 16];

    public JsonFileLogFollower(string path) => _path = path;

    /// <summary>Everything logged so far, oldest first (rotated files, then the current one).</summary>
    public List<LogEntry> History()
    {
        var list = new List<LogEntry>();
        Open(); // the current file first: a rotation from now on shows as another inode
        foreach (var f in JsonFileLogReader.Files(_path).Where(f => f != _path))
        {
            if (_current is not null && Inode(f) == _inode) continue; // rotated since we opened it: we read it as the current one
            try
            {
                using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var r = new StreamReader(s);
                while (r.ReadLine() is { } line)
                    if (JsonFileLogReader.Parse(line) is { } e) list.Add(e);
            }
            catch (FileNotFoundException) { } // rotated out meanwhile
        }
        if (_current is not null) ReadToEnd(list);
        return list;
    }

    /// <summary>What was logged since the last call.</summary>
    public List<LogEntry> Poll()
    {
        var list = new List<LogEntry>();
        if (_current is null)
        {
            Open();
            if (_current is null) return list;
        }
        ReadToEnd(list);
        var rotated = false;
        for (var hops = 0; _current is not null && Inode(_path) != _inode && hops < 100; hops++)
        {
            // rotated: what the writer put in our file before it moved, then the next newer file
            // (path.k-1 when ours is now path.k: a slow reader may be several rotations behind)
            rotated = true;
            ReadToEnd(list);
            _partial.Clear();
            var old = _inode;
            _current.Dispose();
            _current = null;
            for (var tries = 0; tries < 100; tries++)
            {
                var k = IndexOf(old);
                Open(k > 1 ? $"{_path}.{k - 1}" : k == 1 ? _path : Oldest());
                // a rotation between the lookup and the open shifts our file by one: look again
                if (k < 0 || IndexOf(old) == k) break;
                _current?.Dispose();
                _current = null;
            }
            if (_current is not null) ReadToEnd(list);
        }
        if (rotated || _current is null) return list;
        if (_current.Length < _current.Position)
        {
            _current.Position = 0; // truncated in place
            _partial.Clear();
            ReadToEnd(list);
        }
        return list;
    }

    /// <summary>Where a rotated file of ours is now: k for path.k, -1 when it is gone.</summary>
    private int IndexOf(ulong inode)
    {
        // not stopping at a gap: the writer renames path.1 to path.2 before path to path.1
        for (var i = 1; i < 100; i++)
            if (Inode($"{_path}.{i}") == inode) return i;
        return -1;
    }

    /// <summary>The oldest rotated file (ours was deleted: everything left is newer), else the current.</summary>
    private string Oldest() => JsonFileLogReader.Files(_path).FirstOrDefault() ?? _path;

    private void Open(string? path = null)
    {
        try
        {
            _current = new FileStream(path ?? _path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            _inode = Quai.Interop.Libc.Fstat((int)_current.SafeFileHandle.DangerousGetHandle(), out var st) == 0 ? st.Ino : 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { _current = null; }
    }

    private void ReadToEnd(List<LogEntry> list)
    {
        int n;
        while ((n = _current!.Read(_buffer)) > 0)
        {
            _partial.Append(Encoding.UTF8.GetString(_buffer, 0, n));
            var text = _partial.ToString();
            var last = text.LastIndexOf('\n');
            if (last < 0) continue;
            foreach (var line in text[..last].Split('\n'))
                if (JsonFileLogReader.Parse(line) is { } e) list.Add(e);
            _partial.Clear().Append(text[(last + 1)..]);
        }
    }

    private static ulong Inode(string path) =>
        Quai.Interop.Libc.FstatAt(Quai.Interop.O.AT_FDCWD, path, out var st, 0) == 0 ? st.Ino : 0;

    public void Dispose() => _current?.Dispose();
}
