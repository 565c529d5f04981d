using System.Net.Sockets;

namespace Quai.Daemon;

/// <summary>The public end of each API socket. Kestrel ends a connection when the client half-closes it (its
/// socket transport takes a FIN as the end of the connection), but Docker's hijacked streams rely on half-close:
/// `docker run` without -i closes its side of an attach at once and still reads the output, and -i closes it when
/// stdin ends. So clients connect here and each connection is relayed to Kestrel on a private socket (in a 0700
/// directory): once Kestrel has answered 101 Switching Protocols, the client's FIN is not passed on (the
/// attach handler learns it from <see cref="ClientClosed"/>), otherwise it is.</summary>
public sealed class HalfCloseFront : IDisposable
{
    private readonly Socket _listener;
    private readonly string _inner;
    private readonly CancellationTokenSource _stop = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Closed = new();

    /// <summary>Completes when the client of the relayed connection whose upstream end is <paramref name="upstreamName"/>
    /// (Kestrel's remote end point) has closed its side; null for a connection that did not come through a front.</summary>
    public static Task? ClientClosed(string? upstreamName) =>
        upstreamName is not null && Closed.TryGetValue(upstreamName, out var t) ? t.Task : null;

    public HalfCloseFront(Socket listener, string inner)
    {
        _listener = listener;
        _inner = inner;
    }

    public void Start() => _ = AcceptLoop();

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stop.IsCancellationRequested) return;
                await Task.Delay(10);
                continue;
            }
            _ = Relay(client);
        }
    }

    private async Task Relay(Socket client)
    {
        using var _ = client;
        using var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        // a name of its own (abstract: nothing on disk) so that the request handler can find this relay
        var name = "\0quai-front-" + Guid.NewGuid().ToString("N");
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            upstream.Bind(new UnixDomainSocketEndPoint(name));
            Closed[upstream.LocalEndPoint!.ToString()!] = closed;
            await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_inner));
        }
        catch (SocketException) { Closed.TryRemove(upstream.LocalEndPoint?.ToString() ?? "", out var _); return; }
        var key = upstream.LocalEndPoint!.ToString()!;
        try { await RelayConnected(client, upstream, closed); }
        finally { Closed.TryRemove(key, out var _); closed.TrySetResult(); }
    }

    private static async Task RelayConnected(Socket client, Socket upstream, TaskCompletionSource closed)
    {
        var upgraded = false;
        var up = Task.Run(async () =>
        {
            var buf = new byte[16384];
            try
            {
                while (true)
                {
                    var n = await client.ReceiveAsync(buf, SocketFlags.None);
                    if (n == 0)
                    {
                        // a hijacked stream stays open for the output (Kestrel would end it on a FIN): the
                        // attach handler learns of the end of stdin from ClientClosed
                        closed.TrySetResult();
                        if (!Volatile.Read(ref upgraded)) upstream.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    await SendAll(upstream, buf, n);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                try { upstream.Shutdown(SocketShutdown.Both); } catch (Exception f) when (f is SocketException or ObjectDisposedException) { }
            }
        });
        var down = new byte[16384];
        try
        {
            var first = true;
            while (true)
            {
                var n = await upstream.ReceiveAsync(down, SocketFlags.None);
                if (n == 0) break;
                if (first || !Volatile.Read(ref upgraded))
                    if (n >= 12 && down.AsSpan(0, 12).SequenceEqual("HTTP/1.1 101"u8)) Volatile.Write(ref upgraded, true);
                first = false;
                await SendAll(client, down, n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        try { client.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        try { upstream.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        try { await up; } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    private static async Task SendAll(Socket s, byte[] buf, int n)
    {
        var off = 0;
        while (off < n) off += await s.SendAsync(buf.AsMemory(off, n - off), SocketFlags.None);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}
