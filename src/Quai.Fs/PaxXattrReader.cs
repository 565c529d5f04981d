using System.Text;

namespace Quai.Fs;

/// <summary>Watches the bytes of a tar stream as TarReader consumes them and keeps the raw bytes of each
/// entry's <c>SCHILY.xattr.*</c> PAX records. System.Formats.Tar exposes PAX values only as UTF-8 strings,
/// which corrupts binary xattrs such as <c>security.capability</c>; this keeps them exact. Entries are matched
/// by name, so if this parser ever lost track of the stream the applier would fall back to TarReader's values.</summary>
public sealed class PaxXattrReader(Stream inner) : ReadOnlyStream
{
    private enum State { Header, Data, Trailer }

    private readonly Queue<(string Name, Dictionary<string, byte[]> Xattrs)> _entries = new();
    private readonly byte[] _header = new byte[512];
    private int _headerFill;
    private State _state = State.Header;
    private long _remaining;          // data bytes left in the current entry (including padding)
    private MemoryStream? _capture;   // data being captured (PAX 'x', GNU 'L')
    private long _captureSize;
    private char _captureType;
    private Dictionary<string, byte[]>? _pendingXattrs;
    private string? _pendingPath, _pendingLongName;
    private long? _pendingSize;

    /// <summary>The raw xattrs recorded for the entry named <paramref name="name"/>, or null if unknown.</summary>
    public Dictionary<string, byte[]>? Take(string name)
    {
        while (_entries.Count > 0)
        {
            var (n, x) = _entries.Dequeue();
            if (n == name) return x;
        }
        return null;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        Feed(buffer[..n]);
        return n;
    }

    private void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0 && _state != State.Trailer)
        {
            if (_state == State.Header)
            {
                int take = Math.Min(512 - _headerFill, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFill));
                _headerFill += take;
                data = data[take..];
                if (_headerFill == 512) { _headerFill = 0; OnHeader(); }
            }
            else
            {
                int take = (int)Math.Min(_remaining, data.Length);
                if (_capture is not null && _capture.Length < _captureSize)
                    _capture.Write(data[..(int)Math.Min(take, _captureSize - _capture.Length)]);
                _remaining -= take;
                data = data[take..];
                if (_remaining == 0) { OnDataEnd(); _state = State.Header; }
            }
        }
    }

    private void OnHeader()
    {
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0) { _state = State.Trailer; return; }
        char type = (char)_header[156];
        long size = ParseNumber(_header.AsSpan(124, 12));
        _capture = null;
        switch (type)
        {
            case 'x' or 'L':
                _capture = new MemoryStream();
                _captureSize = size;
                _captureType = type;
                break;
            case 'g' or 'K':
                break;
            default:
                var name = _pendingPath ?? _pendingLongName ?? UstarName();
                _entries.Enqueue((name, _pendingXattrs ?? []));
                if (_pendingSize is { } ps) size = ps;
                if (type is '1' or '2' or '3' or '4' or '5' or '6') size = 0;
                _pendingXattrs = null; _pendingPath = null; _pendingLongName = null; _pendingSize = null;
                break;
        }
        _remaining = (size + 511) / 512 * 512;
        if (_remaining == 0) OnDataEnd();
        else _state = State.Data;
    }

    private void OnDataEnd()
    {
        if (_capture is null) return;
        var bytes = _capture.ToArray();
        _capture = null;
        if (_captureType == 'L') { _pendingLongName = Encoding.UTF8.GetString(bytes).TrimEnd('\0'); return; }
        ParsePax(bytes);
    }

    /// <summary>PAX records: "&lt;len&gt; &lt;key&gt;=&lt;value&gt;\n", len counting the whole record.</summary>
    private void ParsePax(byte[] bytes)
    {
        int pos = 0;
        while (pos < bytes.Length)
        {
            int sp = Array.IndexOf(bytes, (byte)' ', pos);
            if (sp < 0 || !int.TryParse(Encoding.ASCII.GetString(bytes, pos, sp - pos), out int len) || len <= 0 || pos + len > bytes.Length) return;
            var record = bytes.AsSpan(sp + 1, pos + len - sp - 2); // without the trailing newline
            int eq = record.IndexOf((byte)'=');
            if (eq > 0)
            {
                var key = Encoding.UTF8.GetString(record[..eq]);
                var value = record[(eq + 1)..];
                if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal)) (_pendingXattrs ??= [])[key["SCHILY.xattr.".Length..]] = value.ToArray();
                else if (key == "path") _pendingPath = Encoding.UTF8.GetString(value);
                else if (key == "size" && long.TryParse(Encoding.ASCII.GetString(value), out var s)) _pendingSize = s;
            }
            pos += len;
        }
    }

    private string UstarName()
    {
        static string Field(ReadOnlySpan<byte> f) { int z = f.IndexOf((byte)0); return Encoding.UTF8.GetString(z < 0 ? f : f[..z]); }
        var name = Field(_header.AsSpan(0, 100));
        bool ustar = _header.AsSpan(257, 5).SequenceEqual("ustar"u8);
        var prefix = ustar ? Field(_header.AsSpan(345, 155)) : "";
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    private static long ParseNumber(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            long v = field[0] & 0x7f;
            for (int i = 1; i < field.Length; i++) v = (v << 8) | field[i];
            return v;
        }
        long r = 0;
        foreach (var b in field)
        {
            if (b is (byte)' ' or 0) { if (r > 0) break; continue; }
            if (b < '0' || b > '7') break;
            r = r * 8 + (b - '0');
        }
        return r;
    }

}
