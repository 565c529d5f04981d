using System.Security.Cryptography;
using Quai.Oci.Image;

namespace Quai.Images.Layers;

/// <summary>A pass-through stream (read or write) that computes the SHA-256 and length of everything passing through.</summary>
public sealed class HashingStream(Stream inner, bool leaveOpen = false) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    public long BytesHashed { get; private set; }

    /// <summary>Reads the rest of the stream (tar padding after the end-of-archive marker) so the digest covers it all.</summary>
    public void Drain()
    {
        var buf = new byte[1 << 16];
        while (Read(buf, 0, buf.Length) > 0) { }
    }

    public Digest Digest() => Oci.Image.Digest.FromHash(_hash.GetCurrentHash());

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (n > 0) { _hash.AppendData(buffer[..n]); BytesHashed += n; }
        return n;
    }
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesHashed += buffer.Length;
        inner.Write(buffer);
    }
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException("a forward-only stream: no seeking or length");
    public override long Position { get => BytesHashed; set => throw new NotSupportedException("a forward-only stream: no seeking or length"); }
    public override void Flush() => inner.Flush();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a forward-only stream: no seeking or length");
    public override void SetLength(long value) => throw new NotSupportedException("a forward-only stream: no seeking or length");
    protected override void Dispose(bool disposing)
    {
        if (disposing) { _hash.Dispose(); if (!leaveOpen) inner.Dispose(); }
        base.Dispose(disposing);
    }
}
