using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Quai.Interop;

namespace Quai.Engine.Monitor;

/// <summary>The monitor's end of the attach socket (<see cref="AttachProtocol"/>): accepts clients, sends each the
/// container's output frames, forwards the stdin of clients that asked for it into the container's stdin, and
/// at the end sends the exit frame and closes every client.</summary>
public sealed unsafe class AttachServer : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<bool> _closeStdinWhenClientCloses;
    private readonly Lock _lock = new();
    private readonly List<Socket> _clients = [];
    private readonly ManualResetEventSlim _firstClient = new();
    private int _stdinFd = -1;

    /// <param name="dir">the container's directory, where attach.sock is made.</param>
    /// <param name="closeStdinWhenClientCloses">asked when a client closes its stdin: whether the container's
    /// stdin closes too (docker run -i without a terminal).</param>
    public AttachServer(string dir, Func<bool> closeStdinWhenClientCloses)
    {
        _listener = AttachProtocol.Listen(dir);
        _closeStdinWhenClientCloses = closeStdinWhenClientCloses;
        new Thread(AcceptLoop) { IsBackground = true, Name = "attach" }.Start();
    }

    /// <summary>The write end of the container's stdin (a pipe, or the pty master), owned from now on; -1 for none.</summary>
    public void SetStdin(int fd) => Interlocked.Exchange(ref _stdinFd, fd);

    private int _consoleFd = -1;

    /// <summary>The pty master of a -t container (a duplicate the server owns): 'r' clients resize it.</summary>
    public void SetConsole(int master)
    {
        var dup = master >= 0 ? Libc.Fcntl(master, 1030 /* F_DUPFD_CLOEXEC */, 3) : -1;
        var old = Interlocked.Exchange(ref _consoleFd, dup);
        if (old >= 0) Libc.Close(old);
    }

    public void CloseStdin()
    {
        var fd = Interlocked.Exchange(ref _stdinFd, -1);
        if (fd >= 0) Libc.Close(fd);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the first client; true once one connected.</summary>
    public bool WaitFirstClient(TimeSpan timeout) => _firstClient.Wait(timeout);

    /// <summary>Sends a frame to every client; a client that cannot take it is dropped.</summary>
    public void Broadcast(byte[] frame)
    {
        lock (_lock)
        {
            for (var i = _clients.Count - 1; i >= 0; i--)
            {
                try { _clients[i].Send(frame); }
                catch (Exception) { _clients[i].Dispose(); _clients.RemoveAt(i); }
            }
        }
    }

    /// <summary>The container is finally down: the exit frame, then every client is closed.</summary>
    public void SendExitAndClose(int exitCode)
    {
        Broadcast(AttachProtocol.Frame(AttachProtocol.Exit, Encoding.ASCII.GetBytes(exitCode.ToString())));
        lock (_lock)
        {
            foreach (var s in _clients) { try { s.Shutdown(SocketShutdown.Both); } catch (Exception) { } s.Dispose(); }
            _clients.Clear();
        }
    }

    /// <summary>Clients send one byte first: 'i' when they forward stdin, 'r' to resize the terminal (then rows and
    /// columns, 16 bits big-endian each; the connection ends there), anything else otherwise.</summary>
    private void AcceptLoop()
    {
        while (true)
        {
            Socket s;
            try { s = _listener.Accept(); }
            catch (Exception) { return; }
            var mode = new byte[1];
            try { if (s.Receive(mode) != 1) { s.Dispose(); continue; } }
            catch (Exception) { s.Dispose(); continue; }
            if (mode[0] == (byte)'r')
            {
                Resize(s);
                continue;
            }
            lock (_lock) _clients.Add(s);
            _firstClient.Set();
            if (mode[0] == (byte)'i')
                new Thread(() => StdinLoop(s)) { IsBackground = true, Name = "stdin" }.Start();
        }
    }

    private void StdinLoop(Socket s)
    {
        var buf = new byte[8192];
        while (true)
        {
            int n;
            try { n = s.Receive(buf); }
            catch (Exception) { n = 0; }
            if (n <= 0) break;
            var fd = _stdinFd;
            if (fd < 0) break;
            fixed (byte* b = buf)
            {
                var off = 0;
                while (off < n)
                {
                    var w = Libc.Write(fd, b + off, n - off);
                    if (w < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    if (w <= 0) return;
                    off += (int)w;
                }
            }
        }
        // the attached client closed its stdin: so does the container's (docker run -i: StdinOnce)
        if (_closeStdinWhenClientCloses()) CloseStdin();
    }

    private void Resize(Socket s)
    {
        using (s)
        {
            var size = new byte[4];
            var got = 0;
            try
            {
                s.ReceiveTimeout = 2000;
                while (got < 4 && s.Receive(size, got, 4 - got, SocketFlags.None) is var n and > 0) got += n;
            }
            catch (Exception) { return; }
            var fd = _consoleFd;
            if (got == 4 && fd >= 0)
                RawTerminal.SetSize(fd, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(size), System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(size.AsSpan(2)));
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        SetConsole(-1);
    }
}
