using System.Net.Sockets;

namespace Quai.Build.Executor;

/// <summary>The socket a RUN's <c>--mount=type=ssh</c> binds into the container: a listener of the build's own,
/// with the mount's mode and owner, that relays each connection to the agent <c>--ssh</c> named. The caller's
/// agent socket is never bound into the container itself, so neither its mode nor its path is exposed, and the
/// relay ends with the step.</summary>
internal sealed class SshForwarder : IDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    private readonly string _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SshForwarder(string path, string upstream, uint mode, uint uid, uint gid)
    {
        _path = path;
        _upstream = upstream;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            Quai.Interop.NativeFs.FchownAt(Quai.Interop.NativeFs.AT_FDCWD, path, uid, gid, Quai.Interop.NativeFs.AT_SYMLINK_NOFOLLOW, path);
            File.SetUnixFileMode(path, (UnixFileMode)(mode & 0xfff));
            _listener.Listen(16);
        }
        catch { _listener.Dispose(); throw; }
        _loop = Task.Run(AcceptLoop);
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Relay(client));
        }
    }

    private async Task Relay(Socket client)
    {
        using var up = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using (client)
        {
            try
            {
                await up.ConnectAsync(new UnixDomainSocketEndPoint(_upstream), _stop.Token);
                await using var a = new NetworkStream(client, ownsSocket: false);
                await using var b = new NetworkStream(up, ownsSocket: false);
                var toAgent = Pump(a, b, up);
                var toClient = Pump(b, a, client);
                await Task.WhenAll(toAgent, toClient);
            }
            catch (Exception) { /* the agent or the client went away: the connection ends */ }
        }
    }

    private async Task Pump(Stream from, Stream to, Socket toSocket)
    {
        try { await from.CopyToAsync(to, _stop.Token); }
        finally { try { toSocket.Shutdown(SocketShutdown.Send); } catch (Exception) { } }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        try { File.Delete(_path); } catch (IOException) { }
        _stop.Dispose();
    }
}
