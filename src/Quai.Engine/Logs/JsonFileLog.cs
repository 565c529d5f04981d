using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quai.Engine.Logs;

/// <summary>One line of Docker's json-file log driver.</summary>
public sealed class LogEntry
{
    [JsonPropertyName("log")] public string Log { get; set; } = "";
    [JsonPropertyName("stream")] public string Stream { get; set; } = "";
    [JsonPropertyName("time")] public string Time { get; set; } = "";
}

/// <summary>Writes Docker's json-file format: one JSON object per output line (a partial line is
/// flushed as is when it grows past 16 KiB), rotating to path.1 … path.(max-file - 1) when the
/// file would grow past max-size. Each entry is one write(2) on an O_APPEND descriptor. A write
/// that fails (a full disk) drops that entry and never throws: the container must not die because
/// its log cannot grow (Docker drops and says so too). The failure is reported once on the
/// monitor's stderr (monitor.log), and so is the recovery; a line cut by the failure is ended
/// before the next entry, so readers skip it.</summary>
public sealed unsafe class JsonFileLogWriter : IDisposable
{
    private readonly string _path;
    private readonly long _maxSize;
    private readonly int _maxFiles;
    private int _fd = -1;
    private long _size;
    private readonly object _gate = new();
    private readonly Dictionary<string, StringBuilder> _partial = [];
    private long _dropped;
    private bool _torn;

    /// <summary>Entries dropped because a write failed.</summary>
    public long Dropped { get { lock (_gate) return _dropped; } }

    /// <summary>Where failures are reported (the monitor's stderr).</summary>
    public TextWriter Errors { get; set; } = Console.Error;

    public JsonFileLogWriter(string path, long maxSize = -1, int maxFiles = 1)
    {
        _path = path;
        _maxSize = maxSize;
        _maxFiles = Math.Max(1, maxFiles);
        Open(truncate: false);
    }

    /// <summary>Logs hold what the container prints (secrets included): 0600, like the records.</summary>
    private void Open(bool truncate)
    {
        var flags = Quai.Interop.O.WRONLY | Quai.Interop.O.APPEND | Quai.Interop.O.CREAT | Quai.Interop.O.CLOEXEC | (truncate ? Quai.Interop.O.TRUNC : 0);
        _fd = Quai.Interop.Libc.Open(_path, flags, 0x180);
        if (_fd < 0) throw Quai.Interop.ErrnoException.FromLast($"open log {_path}");
        _size = Quai.Interop.Libc.Fstat(_fd, out var st) == 0 ? st.Size : 0;
    }

    /// <summary>Parses Docker's --log-opt max-size (k, m, g; binary like Docker's RAMInBytes).</summary>
    public static long ParseSize(string? s) => string.IsNullOrEmpty(s) ? -1 : Specs.Units.RamInBytes(s);

    public void Write(string stream, ReadOnlySpan<byte> data, DateTime? now = null)
    {
        lock (_gate)
        {
            if (!_partial.TryGetValue(stream, out var sb)) _partial[stream] = sb = new StringBuilder();
            sb.Append(Encoding.UTF8.GetString(data));
            while (true)
            {
                var text = sb.ToString();
                var nl = text.IndexOf('\n');
                if (nl < 0)
                {
                    if (sb.Length >= 16 * 1024) { WriteEntry(stream, text, now); sb.Clear(); }
                    break;
                }
                WriteEntry(stream, text[..(nl + 1)], now);
                sb.Remove(0, nl + 1);
            }
        }
    }

    /// <summary>Writes out what is left of unterminated lines (at container exit).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            foreach (var (stream, sb) in _partial)
                if (sb.Length > 0) { WriteEntry(stream, sb.ToString(), null); sb.Clear(); }
        }
    }

    private void WriteEntry(string stream, string line, DateTime? now)
    {
        var entry = new LogEntry { Log = line, Stream = stream, Time = Containers.Times.Format(now ?? DateTime.UtcNow) };
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, Containers.LogJsonContext.Default.LogEntry);
        var bytes = new byte[json.Length + 1 + (_torn ? 1 : 0)];
        var at = 0;
        if (_torn) bytes[at++] = (byte)'\n'; // ends a line an earlier failed write cut
        json.CopyTo(bytes, at);
        bytes[^1] = (byte)'\n';
        try
        {
            if (_maxSize > 0 && _size > 0 && _size + bytes.Length > _maxSize) Rotate();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Quai.Interop.ErrnoException)
        {
            Failed(e.Message);
        }
        if (_fd < 0)
            try { Open(truncate: false); }
            catch (Quai.Interop.ErrnoException e) { Failed(e.Message); }
        if (_fd < 0) { _dropped++; return; }
        var written = 0;
        fixed (byte* p = bytes)
            while (written < bytes.Length)
            {
                var n = Quai.Interop.Libc.Write(_fd, p + written, bytes.Length - written);
                if (n < 0)
                {
                    var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == Quai.Interop.Errno.EINTR) continue;
                    _size += written;
                    _torn = written > 0 || _torn;
                    _dropped++;
                    Failed(Quai.Interop.Errno.Describe(errno).ToLowerInvariant());
                    return;
                }
                written += (int)n;
            }
        _size += written;
        _torn = false;
        if (_failing is { } failure)
        {
            _failing = null;
            // said again now: on a full disk the first report could not be written either
            Report($"log {_path}: writing again; {_dropped - failure.DroppedBefore} entries were dropped since {failure.At:O} ({failure.Why})");
        }
    }

    private (DateTime At, string Why, long DroppedBefore)? _failing;

    private void Failed(string why)
    {
        if (_failing is not null) return;
        _failing = (DateTime.UtcNow, why, _dropped);
        Report($"log {_path}: write failed: {why}; dropping the container's output until it succeeds");
    }

    private void Report(string message)
    {
        try { Errors.WriteLine($"{DateTime.UtcNow:O} {message}"); Errors.Flush(); }
        catch (IOException) { } // the monitor's own log is on the same full disk
    }

    private void Rotate()
    {
        if (_fd >= 0) Quai.Interop.Libc.Close(_fd);
        _fd = -1;
        if (_maxFiles > 1)
            for (var i = _maxFiles - 1; i >= 1; i--)
            {
                var from = i == 1 ? _path : $"{_path}.{i - 1}";
                if (File.Exists(from)) File.Move(from, $"{_path}.{i}", overwrite: true);
            }
        Open(truncate: _maxFiles <= 1);
        _torn = false;
    }

    public void Dispose()
    {
        Flush();
        lock (_gate)
        {
            if (_fd >= 0) Quai.Interop.Libc.Close(_fd);
            _fd = -1;
        }
    }
}

public static class JsonFileLogReader
{
    /// <summary>The log files, oldest first (rotated ones, then the current).</summary>
    public static List<string> Files(string path)
    {
        var list = new List<string>();
        for (var i = 1; i < 100; i++)
        {
            if (File.Exists($"{path}.{i}")) list.Insert(0, $"{path}.{i}");
            else break;
        }
        if (File.Exists(path)) list.Add(path);
        return list;
    }

    public static IEnumerable<LogEntry> ReadAll(string path)
    {
        foreach (var f in Files(path))
        {
            using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(s);
            while (r.ReadLine() is { } line)
                if (Parse(line) is { } e) yield return e;
        }
    }

    public static LogEntry? Parse(string line)
    {
        if (line.Length == 0) return null;
        try { return JsonSerializer.Deserialize(line, Containers.LogJsonContext.Default.LogEntry); }
        catch (JsonException) { return null; }
    }
}
