using Quai.Fs;
using System.IO.Compression;
using Quai.Oci.Image;

namespace Quai.Images.Layers;

/// <summary>Detects and removes layer compression (gzip, zstd, none) by magic bytes: the media type
/// is a hint, the bytes are the truth (docker-archive layers carry no media type at all).</summary>
public static class LayerCompression
{
    public static Compression Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Compression.Gzip;
        if (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) return Compression.Zstd;
        return Compression.None;
    }

    /// <summary>Detects the compression of a file on disk.</summary>
    public static Compression Detect(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var f = File.OpenRead(path);
        int n = f.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return Detect(head[..n]);
    }

    /// <summary>Wraps <paramref name="compressed"/> in the right decompressor (peeking without consuming).</summary>
    public static Stream Decompress(Stream compressed, out Compression compression)
    {
        Stream buffered;
        var head = new byte[4];
        int n;
        if (compressed.CanSeek)
        {
            long start = compressed.Position;
            n = compressed.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            compressed.Position = start;
            buffered = compressed;
        }
        else
        {
            n = compressed.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            buffered = new PrefixedStream(head[..n], compressed);
        }
        compression = Detect(head.AsSpan(0, n));
        return compression switch
        {
            Compression.Gzip => new GZipStream(buffered, CompressionMode.Decompress, leaveOpen: false),
            Compression.Zstd => new ZstdSharp.DecompressionStream(buffered, leaveOpen: false),
            _ => buffered,
        };
    }

    public static Stream Compress(Stream output, Compression compression, bool leaveOpen) => compression switch
    {
        Compression.Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen),
        Compression.Zstd => new ZstdSharp.CompressionStream(output, 3, leaveOpen: leaveOpen),
        _ => leaveOpen ? new NonClosingStream(output) : output,
    };
}

/// <summary>Passes writes through and leaves the inner stream open on dispose.</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException("a forward-only stream: no seeking or length");
    public override long Position { get => throw new NotSupportedException("a forward-only stream: no seeking or length"); set => throw new NotSupportedException("a forward-only stream: no seeking"); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a forward-only stream: no seeking or length");
    public override void SetLength(long value) => throw new NotSupportedException("a forward-only stream: no seeking or length");
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
}
