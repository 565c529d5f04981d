namespace Quai.Fs;

/// <summary>Base of the layer pipeline's forward-only read streams: they implement Read;
/// seeking, length and writing are not supported.</summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("a forward-only stream: no seeking, length or writing");
    public override long Position { get => throw new NotSupportedException("a forward-only stream: no seeking, length or writing"); set => throw new NotSupportedException("a forward-only stream: no seeking"); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a forward-only stream: no seeking, length or writing");
    public override void SetLength(long value) => throw new NotSupportedException("a forward-only stream: no seeking, length or writing");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a forward-only stream: no seeking, length or writing");
}
