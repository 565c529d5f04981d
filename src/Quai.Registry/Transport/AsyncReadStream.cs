using Quai.Fs;

namespace Quai.Registry.Transport;

/// <summary>A forward-only body whose reading is asynchronous at heart (timeouts, reconnects): the synchronous reads
/// the store's ingest makes go through <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.</summary>
internal abstract class AsyncReadStream : ReadOnlyStream
{
    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var tmp = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, 1 << 20));
        try
        {
            int n = ReadAsync(tmp.AsMemory(0, Math.Min(buffer.Length, tmp.Length))).AsTask().GetAwaiter().GetResult();
            tmp.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(tmp); }
    }
}
