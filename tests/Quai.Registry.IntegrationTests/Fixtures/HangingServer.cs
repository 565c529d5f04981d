using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>How a <see cref="HangingServer"/> misbehaves.</summary>
public enum HangMode
{
    /// <summary>Accepts connections, reads, never answers anything.</summary>
    NeverAnswers,
    /// <summary>Answers GET /v2/ (200, {} and Docker-Distribution-Api-Version), then never answers
    /// any other request (no status line).</summary>
    AnswersPingThenHangs,
    /// <summary>Answers GET /v2/; any other request gets a 200 status and headers (Content-Length 1 MiB,
    /// an OCI manifest or blob content type) and a few bytes of body, then nothing more: an idle body.</summary>
    HangsInBody,
}

/// <summary>A TCP server on 127.0.0.1 (kernel-chosen port) that accepts connections and hangs as its
/// <see cref="HangMode"/> says, for timeout tests. Connections are held open until Dispose.
/// <see cref="Connections"/> and <see cref="RequestLines"/> tell what clients did.</summary>
public sealed class HangingServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly ConcurrentQueue<string> _lines = new();
    private int _connections;

    public HangMode Mode { get; }
    public int Port { get; }
    /// <summary>"127.0.0.1:PORT".</summary>
    public string Host => $"127.0.0.1:{Port}";
    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);
    /// <summary>Request lines ("GET /v2/ HTTP/1.1") read so far.</summary>
    public IReadOnlyList<string> RequestLines => _lines.ToArray();

    public HangingServer(HangMode mode = HangMode.NeverAnswers)
    {
        Mode = mode;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoop();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try { c = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            _clients.Add(c);
            _ = Serve(c);
        }
    }

    private async Task Serve(TcpClient c)
    {
        try
        {
            var s = c.GetStream();
            var buf = new byte[64 * 1024];
            var pending = new StringBuilder();
            while (!_stop.IsCancellationRequested)
            {
                var n = await s.ReadAsync(buf, _stop.Token);
                if (n == 0) return;
                if (Mode == HangMode.NeverAnswers && pending.Length > 64 * 1024) pending.Clear();
                pending.Append(Encoding.Latin1.GetString(buf, 0, n));
                int end;
                while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    var head = pending.ToString(0, end);
                    pending.Remove(0, end + 4);
                    var line = head.Split("\r\n")[0];
                    _lines.Enqueue(line);
                    if (Mode == HangMode.NeverAnswers) continue;
                    var parts = line.Split(' ');
                    if (parts.Length >= 2 && parts[1] == "/v2/")
                    {
                        var ping = parts[0] == "HEAD" ? "" : "{}";
                        await s.WriteAsync(Encoding.ASCII.GetBytes(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDocker-Distribution-Api-Version: registry/2.0\r\n" +
                            $"Content-Length: 2\r\n\r\n{ping}"), _stop.Token);
                        continue;
                    }
                    if (Mode == HangMode.HangsInBody)
                    {
                        var type = line.Contains("/manifests/") ? TestImages.ManifestType : "application/octet-stream";
                        await s.WriteAsync(Encoding.ASCII.GetBytes(
                            $"HTTP/1.1 200 OK\r\nContent-Type: {type}\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 1048576\r\n\r\n{{\"schemaVersion\":"), _stop.Token);
                    }
                    await Task.Delay(Timeout.Infinite, _stop.Token); // hang this connection
                }
            }
        }
        catch (Exception) { /* stopped or the client went away */ }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var c in _clients) c.Dispose();
        _stop.Dispose();
    }
}
