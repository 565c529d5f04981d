using System.Runtime.InteropServices;
using Quai.Engine.Logs;
using Quai.Interop;

namespace Quai.Engine.Monitor;

/// <summary>One thread per output stream of the container (stdout, stderr, or the pty master): every chunk read
/// goes to the json-file log and, framed, to the attached clients. A full disk costs log entries, never the
/// container (<see cref="JsonFileLogWriter"/>).</summary>
public sealed unsafe class OutputPumps(Func<JsonFileLogWriter> log, AttachServer attach)
{
    private readonly List<Thread> _threads = [];

    /// <summary>Pumps <paramref name="fd"/> until EOF (the container closed its end), then closes it when
    /// <paramref name="closeAfter"/> (a pty master that also carries stdin stays open).</summary>
    public void Start(int fd, string stream, byte frameType, bool closeAfter)
    {
        var t = new Thread(() =>
        {
            var buf = new byte[32 * 1024];
            fixed (byte* b = buf)
            {
                while (true)
                {
                    var n = Libc.Read(fd, b, buf.Length);
                    if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    if (n <= 0) break;
                    var data = buf.AsSpan(0, (int)n);
                    log().Write(stream, data);
                    attach.Broadcast(AttachProtocol.Frame(frameType, data));
                }
            }
            if (closeAfter) Libc.Close(fd);
        }) { IsBackground = true, Name = "pump-" + stream };
        _threads.Add(t);
        t.Start();
    }

    /// <summary>After the init exited: lets each pump drain what is left (up to <paramref name="timeout"/> each).</summary>
    public void Drain(TimeSpan timeout)
    {
        foreach (var t in _threads) t.Join(timeout);
        _threads.Clear();
    }
}
