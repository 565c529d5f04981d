using System.Net.Sockets;
using System.Runtime.InteropServices;
using Quai.Engine;
using Quai.Engine.Monitor;
using Quai.Interop;

namespace Quai.Cli.Commands.Containers;

/// <summary>The CLI end of the monitor's attach socket: copies the container's output to our
/// stdout/stderr, our stdin to the container (-i), proxies signals, and returns the exit code.</summary>
public static unsafe partial class AttachClient
{
    public static Socket Connect(ContainerEngine engine, string id, bool stdin)
    {
        var s = AttachProtocol.Connect(engine.Store.Dir(id));
        s.Send([(byte)(stdin ? 'i' : 'n')]);
        return s;
    }

    /// <summary>Streams until the container exits; returns its exit code (or the recorded one if
    /// the connection ended early).</summary>
    public static int Stream(ContainerEngine engine, string id, Socket s, AttachOptions o)
    {
        var (stdin, tty) = (o.Stdin, o.Tty);
        byte[]? saved = null;
        if (tty && stdin) saved = RawTerminal.Enter(0);
        var signals = new List<PosixSignalRegistration>();
        var detached = false;
        if (!tty && o.SigProxy)
            foreach (var sig in new[] { Sig.INT, Sig.TERM, Sig.HUP, Sig.QUIT, Sig.USR1, Sig.USR2 })
                signals.Add(PosixSignalRegistration.Create((PosixSignal)sig, ctx =>
                {
                    ctx.Cancel = true;
                    try { engine.Runtime.Kill(id, sig, false); } catch (Exception) { }
                }));
        if (tty)
        {
            // the container's terminal follows ours: now (attach to a running container) and on every SIGWINCH
            void FollowSize()
            {
                if ((RawTerminal.Size(1) ?? RawTerminal.Size(0)) is { } size)
                    try { engine.Resize(id, size.Rows, size.Cols); } catch (Exception) { }
            }
            signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx => { ctx.Cancel = true; FollowSize(); }));
            FollowSize();
        }
        try
        {
            if (stdin)
            {
                var matched = 0;
                new Thread(() =>
                {
                    var buf = new byte[8192 + 64]; // room for a held-back partial detach sequence
                    fixed (byte* b = buf)
                    {
                        while (true)
                        {
                            var n = Libc.Read(0, b, 8192);
                            if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                            if (n <= 0) break;
                            var count = (int)n;
                            if (o.DetachKeys is { } keys && DetachMatcher.Feed(ref matched, keys, buf, ref count))
                            {
                                // the detach sequence: leave the container running, end the attach
                                detached = true;
                                try { if (count > 0) s.Send(buf, 0, count, SocketFlags.None); } catch (Exception) { }
                                try { s.Shutdown(SocketShutdown.Both); } catch (Exception) { }
                                return;
                            }
                            try { s.Send(buf, 0, count, SocketFlags.None); } catch (Exception) { return; }
                        }
                    }
                    try { s.Shutdown(SocketShutdown.Send); } catch (Exception) { }
                }) { IsBackground = true, Name = "stdin" }.Start();
            }
            using var stdout = o.Stdout ? Quai.Cli.Output.StdStreams.OpenOut() : System.IO.Stream.Null;
            using var stderr = o.Stderr ? Quai.Cli.Output.StdStreams.OpenErr() : System.IO.Stream.Null;
            var code = AttachProtocol.Pump(s, stdout, stderr);
            if (detached) return 0;
            return code ?? engine.Wait(id);
        }
        finally
        {
            foreach (var r in signals) r.Dispose();
            RawTerminal.Restore(0, saved);
            s.Dispose();
        }
    }
}
