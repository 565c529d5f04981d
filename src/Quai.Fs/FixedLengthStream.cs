namespace Quai.Fs;

/// <summary>Exactly <c>length</c> bytes of a stream: cut when it has more, zero-padded when it ends early
/// (a file changing while it is archived must not corrupt the tar it goes into). Seekable so TarWriter can
/// take its length up front; still read-only. With <paramref name="ownsInner"/>, disposing it disposes
/// <paramref name="inner"/>.</summary>
public sealed class FixedLengthStream(Stream inner, long length, bool ownsInner = false) : ReadOnlyStream
{
    private long _position;
    public override bool CanSeek => true;
    public override long Length => length;
    public override long Position { get => _position; set => Seek(value, SeekOrigin.Begin); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, length - _position);
        if (want <= 0) return 0;
        var n = inner.Read(buffer[..want]);
        if (n == 0) { buffer[..want].Clear(); n = want; }
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => length + offset };
        if (target < 0 || target > length) throw new IOException($"seek to {target} outside 0..{length}");
        if (target != _position) inner.Seek(target, SeekOrigin.Begin);
        _position = target;
        return target;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner) inner.Dispose();
        base.Dispose(disposing);
    }
}
