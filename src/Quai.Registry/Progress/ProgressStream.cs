using Quai.Fs;

namespace Quai.Registry.Progress;

/// <summary>Counts the bytes read through it (a download into the store, an upload's body) and reports the total
/// every <c>step</c> bytes and at the end.</summary>
internal sealed class ProgressStream(Stream inner, Action<long> report, long step = 512 * 1024) : ReadOnlyStream
{
    private long _read, _lastReport;

    public override long Length => inner.Length;
    public override long Position { get => _read; set => throw new NotSupportedException("a forward-only stream: no seeking"); }
    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Count(await inner.ReadAsync(buffer, ct).ConfigureAwait(false));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Count(int n)
    {
        _read += n;
        if (n == 0 || _read - _lastReport >= step)
        {
            _lastReport = _read;
            report(_read);
        }
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
