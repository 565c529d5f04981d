using System.Runtime.InteropServices;
using Quai.Interop;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.Process;

/// <summary>Waits for a container process in the foreground (run, exec without -d): forwards the
/// usual signals to it, relays the terminal and window size, returns its exit status as a shell
/// reports it.</summary>
public static class ForegroundProcess
{
    private static readonly int[] Forwarded = [Sig.HUP, Sig.INT, Sig.QUIT, Sig.TERM, Sig.USR1, Sig.USR2, Sig.WINCH];

    /// <param name="start">Runs once signals are forwarded (e.g. the container's start); when it
    /// throws, the process is killed and reaped and <paramref name="cleanup"/> runs.</param>
    public static int Wait(int pid, TerminalRelay? relay, Action? start = null, Action? cleanup = null)
    {
        var registrations = Forwarded.Select(s => PosixSignalRegistration.Create((PosixSignal)s, ctx =>
        {
            ctx.Cancel = true;
            if (s == Sig.WINCH) relay?.CopyWindowSize();
            else Libc.Kill(pid, s);
        })).ToList();
        try
        {
            relay?.Start();
            try { start?.Invoke(); }
            catch
            {
                Libc.Kill(pid, Sig.KILL);
                ProcessSpawner.Wait(pid);
                cleanup?.Invoke();
                throw;
            }
            var status = ProcessSpawner.Wait(pid)!.Value;
            relay?.Drain();
            cleanup?.Invoke();
            return ProcessSpawner.ExitCode(status);
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
        }
    }
}
