using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Quai.Daemon.Api;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Monitor;

namespace Quai.Daemon.Endpoints;

/// <summary>POST /containers/{id}/attach: the HTTP connection is hijacked (101 Switching Protocols, Upgrade: tcp)
/// and joined to the monitor's attach socket: the container's output in Docker's multiplexed frames (raw with a
/// TTY), the client's bytes into its stdin; the stream ends when the container exits. A container not running
/// yet gets the connection at its start (see <see cref="Attachments"/>).</summary>
public static class AttachEndpoints
{
    public static void Map(IEndpointRouteBuilder app, DaemonServer d)
    {
        app.MapPost("/containers/{id}/attach", ctx => Attach(ctx, d));
        // the terminal's size: accepted (the docker CLI sends it for -t), not applied yet
        app.MapPost("/containers/{id}/resize", ctx => Resize(ctx, d));
    }

    private static async Task Resize(HttpContext ctx, DaemonServer d)
    {
        using (var engine = d.OpenEngine()) engine.Inspect((string)ctx.Request.RouteValues["id"]!);
        await Reply.NoContent(ctx, 200);
    }

    /// <summary>The start of a container a client waits on: the monitor creates it and waits for the client, which
    /// connects now; then the container starts. Returns true (started).</summary>
    public static bool StartForAttach(ContainerEngine engine, string id, Attachments.Pending pending)
    {
        using var h = engine.Start(id, waitForAttach: true);
        if (h.AlreadyRunning)
        {
            pending.Connection.TrySetResult(Connect(engine, id, pending.Stdin));
            return false;
        }
        var line = h.ReadLine();
        if (line != "created")
        {
            var msg = line is { } l && l.StartsWith("error ", StringComparison.Ordinal) ? l[6..] : "125 container monitor exited before the container started";
            var sp = msg.IndexOf(' ');
            var e = new ContainerStartException(msg[(sp + 1)..], int.TryParse(msg[..Math.Max(sp, 0)], out var code) ? code : 125);
            pending.Connection.TrySetException(e);
            throw e;
        }
        pending.Connection.TrySetResult(Connect(engine, id, pending.Stdin));
        h.ExpectStarted();
        return true;
    }

    private static Socket Connect(ContainerEngine engine, string id, bool stdin)
    {
        var s = AttachProtocol.Connect(engine.Store.Dir(id));
        s.Send([(byte)(stdin ? 'i' : 'n')]);
        return s;
    }

    private static async Task Attach(HttpContext ctx, DaemonServer d)
    {
        var stream = Reply.Bool(ctx, "stream");
        var wantStdin = Reply.Bool(ctx, "stdin");
        var wantStdout = Reply.Bool(ctx, "stdout");
        var wantStderr = Reply.Bool(ctx, "stderr");
        if (Reply.Bool(ctx, "logs")) throw new ApiException(400, "attach with logs=1 is not supported yet: read GET /containers/{id}/logs");
        if (!stream) throw new ApiException(400, "attach without stream=1 is not supported yet");
        Container c;
        using (var engine = d.OpenEngine()) c = engine.Inspect((string)ctx.Request.RouteValues["id"]!);
        var stdin = wantStdin && c.Config.OpenStdin;
        var tty = c.Config.Tty;

        Task<Socket> connection;
        Attachments.Pending? pending = null;
        if (c.State.Status is "running" or "paused")
        {
            using var engine = d.OpenEngine();
            connection = Task.FromResult(Connect(engine, c.Id, stdin));
        }
        else
        {
            pending = d.Attachments.Add(c.Id, stdin);
            connection = pending.Connection.Task;
        }

        var contentType = StreamFrames.ContentType(tty, ApiVersion.Of(ctx));
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        Stream client;
        if (upgrade is { IsUpgradableRequest: true })
        {
            ctx.Response.Headers.ContentType = contentType;
            ctx.Response.Headers.Upgrade = "tcp";
            client = await upgrade.UpgradeAsync();
        }
        else
        {
            // no hijack asked for: the output as the response body (dockerd does the same), no stdin
            stdin = false;
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = contentType;
            await ctx.Response.StartAsync();
            client = ctx.Response.Body;
        }

        Socket s;
        try
        {
            // Not cancelled by RequestAborted: a client without stdin half-closes the hijacked connection at once
            // (docker run without -i), which Kestrel reports as an abort; the output must still reach it.
            s = await connection;
        }
        catch (Exception) // the start failed, or the client left first
        {
            if (pending is not null) d.Attachments.Remove(c.Id, pending);
            await client.DisposeAsync();
            return;
        }
        using (s)
        {
            var input = stdin ? PumpStdin(client, s, ClientClosed(ctx)) : Task.CompletedTask;
            if (await PumpOutput(s, client, tty, wantStdout, wantStderr) is { } code) d.Attachments.RecordExit(c.Id, code);
            try { s.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        }
        await client.DisposeAsync();
    }

    /// <summary>The front's report that the client closed its side of this connection (null when it did not come through one).</summary>
    private static Task? ClientClosed(HttpContext ctx)
    {
        var socket = ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket;
        string? name;
        try { name = socket?.RemoteEndPoint?.ToString(); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { name = null; }
        return HalfCloseFront.ClientClosed(name);
    }

    /// <summary>The monitor's frames to the client: stdout/stderr as Docker frames (raw bytes with a TTY) until the exit frame.</summary>
    private static async Task<int?> PumpOutput(Socket s, Stream client, bool tty, bool stdout, bool stderr)
    {
        var header = new byte[5];
        var buf = new byte[65536];
        while (true)
        {
            if (!await ReadExactly(s, header, 5)) return null;
            var len = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
            if (len < 0 || len > 1 << 24) return null;
            if (len > buf.Length) buf = new byte[len];
            if (!await ReadExactly(s, buf, len)) return null;
            var kind = header[0];
            if (kind == AttachProtocol.Exit)
                return int.TryParse(System.Text.Encoding.ASCII.GetString(buf, 0, len), out var code) ? code : null;
            if (kind == AttachProtocol.Stdout && !stdout || kind == AttachProtocol.Stderr && !stderr) continue;
            try
            {
                if (tty) await client.WriteAsync(buf.AsMemory(0, len));
                else await client.WriteAsync(StreamFrames.Frame(kind, buf.AsSpan(0, len)));
                await client.FlushAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException) { return null; }
        }
    }

    /// <summary>The client's bytes to the container's stdin; the client closing its side closes the container's stdin.</summary>
    private static async Task PumpStdin(Stream client, Socket s, Task? clientClosed)
    {
        var buf = new byte[8192];
        try
        {
            while (true)
            {
                var read = client.ReadAsync(buf).AsTask();
                // the client's FIN never reaches Kestrel on a hijacked stream (HalfCloseFront): the front reports it
                if (clientClosed is not null && await Task.WhenAny(read, clientClosed) != read)
                {
                    // what the client sent before its FIN is already with Kestrel: take it, then stop
                    // (the front passed it on before it reported the close: it surfaces within moments)
                    if (await Task.WhenAny(read, Task.Delay(200)) == read && read.Result > 0) { await s.SendAsync(buf.AsMemory(0, read.Result), SocketFlags.None); continue; }
                    break;
                }
                var n = await read;
                if (n <= 0) break;
                await s.SendAsync(buf.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException) { }
        try { s.Shutdown(SocketShutdown.Send); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    private static async Task<bool> ReadExactly(Socket s, byte[] buf, int len)
    {
        var off = 0;
        while (off < len)
        {
            int n;
            try { n = await s.ReceiveAsync(buf.AsMemory(off, len - off), SocketFlags.None); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
            if (n <= 0) return false;
            off += n;
        }
        return true;
    }
}
