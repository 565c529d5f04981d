using Quai.Fs;
using System.Collections.Concurrent;

namespace Quai.Images.Layers;

/// <summary>Runs a producer (read + decompress + hash) on its own thread and exposes its output as a
/// read-only stream, so decompression overlaps with unpacking on another core.</summary>
public sealed class PipeStream : ReadOnlyStream
{
    private const int ChunkSize = 256 << 10;
    private readonly BlockingCollection<byte[]> _chunks = new(boundedCapacity: 16);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _cancel = new();
    private Exception? _error;
    private byte[]? _current;
    private int _offset;
    private bool _done;

    /// <summary><paramref name="produce"/> reads its source and returns; what it reads from the stream
    /// handed to it is delivered here.</summary>
    public PipeStream(Stream source)
    {
        _thread = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var buf = new byte[ChunkSize];
                    int n = source.ReadAtLeast(buf, ChunkSize, throwOnEndOfStream: false);
                    if (n == 0) break;
                    _chunks.Add(n == ChunkSize ? buf : buf[..n], _cancel.Token);
                    if (n < ChunkSize) break;
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { _error = e; }
            finally { _chunks.CompleteAdding(); }
        }) { IsBackground = true, Name = "quai-decompress" };
        _thread.Start();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        while (_current is null || _offset == _current.Length)
        {
            if (_done) return 0;
            if (!_chunks.TryTake(out _current, Timeout.Infinite))
            {
                _done = true;
                _current = null;
                if (_error is not null) throw new IOException($"reading layer: {_error.Message}", _error);
                return 0;
            }
            _offset = 0;
        }
        int n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cancel.Cancel();
            _thread.Join();
            _chunks.Dispose();
            _cancel.Dispose();
        }
        base.Dispose(disposing);
    }

}
