using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Runtime.Terminal;

/// <summary>For `run`/`exec` in the foreground with a terminal and no --console-socket: receives
/// the pty master itself and relays it to this process's stdio, with the local terminal in raw
/// mode while it runs (what runc does).</summary>
public sealed unsafe partial class TerminalRelay : IDisposable
{
    private readonly int _ourEnd;
    public int RuntimeEnd { get; }
    private int _master = -1;
    private byte[]? _savedTermios;
    private Thread? _output;

    private TerminalRelay(int ourEnd, int runtimeEnd)
    {
        _ourEnd = ourEnd;
        RuntimeEnd = runtimeEnd;
    }

    public static TerminalRelay Create()
    {
        var sv = stackalloc int[2];
        if (Libc.SocketPair(1, 1 | 0x80000, 0, sv) < 0) throw ErrnoException.FromLast("socketpair for terminal");
        return new TerminalRelay(sv[0], sv[1]);
    }

    public void Start()
    {
        (_master, _) = ConsoleSocket.ReceiveFd(_ourEnd);
        if (RawTerminal.IsTerminal(0))
        {
            _savedTermios = RawTerminal.Enter(0);
            CopyWindowSize();
        }
        var input = new Thread(() => Pump(0, _master)) { IsBackground = true, Name = "tty-in" };
        _output = new Thread(() => Pump(_master, 1)) { IsBackground = true, Name = "tty-out" };
        input.Start();
        _output.Start();
    }

    public void CopyWindowSize()
    {
        if (_master < 0) return;
        var ws = stackalloc ushort[4];
        if (Libc.Ioctl(0, 0x5413 /* TIOCGWINSZ */, ws) == 0) Libc.Ioctl(_master, 0x5414 /* TIOCSWINSZ */, ws);
    }

    /// <summary>After the process exited: let the output reach the terminal.</summary>
    public void Drain() => _output?.Join(TimeSpan.FromSeconds(2));

    private static void Pump(int from, int to)
    {
        var buf = new byte[8192];
        fixed (byte* b = buf)
        {
            while (true)
            {
                var n = Libc.Read(from, b, buf.Length);
                if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                if (n <= 0) return;
                var off = 0L;
                while (off < n)
                {
                    var w = Libc.Write(to, b + off, (nint)(n - off));
                    if (w < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    if (w <= 0) return;
                    off += w;
                }
            }
        }
    }

    public void Dispose()
    {
        RawTerminal.Restore(0, _savedTermios);
        Libc.Close(_ourEnd);
        Libc.Close(RuntimeEnd);
        if (_master >= 0) Libc.Close(_master);
    }
}
