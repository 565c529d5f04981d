namespace Quai.Registry.Transport;

/// <summary>A response body whose every read must make progress within <paramref name="idle"/>: a registry that
/// stops sending mid-body fails with a <see cref="TimeoutException"/> instead of hanging the pull.</summary>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan idle, string what) : AsyncReadStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(idle);
        try { return await inner.ReadAsync(buffer, cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{what}: timeout: no data received for {idle.TotalSeconds:0.#}s");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
