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
/// file would grow past max-size.</summary>
public sealed class JsonFileLogWriter : IDisposable
{
    private readonly string _path;
    private readonly long _maxSize;
    private readonly int _maxFiles;
    private FileStream _file;
    private readonly object _gate = new();
    private readonly Dictionary<string, StringBuilder> _partial = [];

    public JsonFileLogWriter(string path, long maxSize = -1, int maxFiles = 1)
    {
        _path = path;
        _maxSize = maxSize;
        _maxFiles = Math.Max(1, maxFiles);
        _file = Open();
    }

    /// <summary>Logs hold what the container prints (secrets included): 0600, like the records.</summary>
    private FileStream Open(FileMode mode = FileMode.Append) => new(_path, Quai.Fs.PrivateStore.NewFile(mode, FileShare.ReadWrite | FileShare.Delete));

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
            _file.Flush();
        }
    }

    private void WriteEntry(string stream, string line, DateTime? now)
    {
        var entry = new LogEntry { Log = line, Stream = stream, Time = Containers.Times.Format(now ?? DateTime.UtcNow) };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, Containers.LogJsonContext.Default.LogEntry);
        if (_maxSize > 0 && _file.Length > 0 && _file.Length + bytes.Length + 1 > _maxSize) Rotate();
        _file.Write(bytes);
        _file.WriteByte((byte)'\n');
        _file.Flush();
    }

    private void Rotate()
    {
        _file.Dispose();
        if (_maxFiles <= 1)
        {
            _file = Open(FileMode.Create);
            return;
        }
        for (var i = _maxFiles - 1; i >= 1; i--)
        {
            var from = i == 1 ? _path : $"{_path}.{i - 1}";
            if (File.Exists(from)) File.Move(from, $"{_path}.{i}", overwrite: true);
        }
        _file = Open();
    }

    public void Dispose()
    {
        Flush();
        _file.Dispose();
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
