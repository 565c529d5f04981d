namespace Quai.Registry.Client;

/// <summary>A blob's body that survives a dropped connection: when a read fails (or the body ends before the
/// descriptor's size) it asks again with <c>Range: bytes=N-</c> from where it stopped. <paramref name="open"/>
/// returns a body positioned at the offset it was given (it checks the 206 and skips what a server that ignores
/// Range sends again). At most <see cref="MaxResumes"/> resumes in a row without progress.</summary>
internal sealed class ResumingBlobStream(Stream first, long expectedSize, string what,
    Func<long, CancellationToken, Task<Stream>> open, Action<string>? warn) : Transport.AsyncReadStream
{
    public const int MaxResumes = 5;
    private Stream _body = first;
    private long _position;
    private int _failures;

    public long Resumes { get; private set; }
    public override long Length => expectedSize > 0 ? expectedSize : base.Length;
    public override long Position { get => _position; set => base.Position = value; }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return 0;
        while (true)
        {
            Exception? failure;
            try
            {
                int n = await _body.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n > 0) { _position += n; _failures = 0; return n; }
                if (expectedSize <= 0 || _position >= expectedSize) return 0;
                failure = new IOException($"the body ended after {_position} of {expectedSize} bytes");
            }
            catch (Exception e) when (e is IOException or TimeoutException or HttpRequestException && !ct.IsCancellationRequested)
            {
                failure = e;
            }
            if (++_failures > MaxResumes)
                throw new RegistryException($"{what}: connection lost after {_position} bytes ({failure.Message}); gave up after {MaxResumes} attempts to resume", inner: failure);
            warn?.Invoke($"Warning: {what}: {failure.Message}; resuming at byte {_position}");
            _body.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(200 << Math.Min(_failures - 1, 4)), ct).ConfigureAwait(false);
            try
            {
                _body = await open(_position, ct).ConfigureAwait(false);
                Resumes++;
            }
            catch (RegistryException e) when (e.StatusCode is null && _failures < MaxResumes)
            {
                _body = Null;   // the next read ends at once and counts as one more failure
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _body.Dispose();
        base.Dispose(disposing);
    }
}
