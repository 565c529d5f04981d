namespace Quai.Build.Context;

/// <summary>A context file's content as the walk sized it: exactly <c>length</c> bytes of the file opened
/// through its own descriptor, cut if the file grew since, zero-padded if it shrank (a file edited during
/// a build cannot make a copy or a checksum disagree with the size recorded for it). Seekable, read-only;
/// disposing it closes the descriptor.</summary>
internal sealed class ContextFileStream(FileStream file, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => Seek(value, SeekOrigin.Begin); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, length - _position);
        if (want <= 0) return 0;
        var n = file.Read(buffer[..want]);
        if (n == 0) { buffer[..want].Clear(); n = want; }
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => length + offset };
        if (target < 0 || target > length) throw new IOException($"seek to {target} outside 0..{length}");
        file.Seek(target, SeekOrigin.Begin);
        _position = target;
        return target;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException("a context file is read-only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a context file is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing) file.Dispose();
        base.Dispose(disposing);
    }
}
