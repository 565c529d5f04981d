using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Runtime.Process;

/// <summary>The one owner of waitpid in a process: every wait for a child (an init, a hook, a health
/// probe, an exec'd process) goes through here. By default a wait is a plain waitpid on that pid.
/// A subreaper that also inherits orphans (the engine's container monitor) calls
/// <see cref="StartReaping"/>: one thread then reaps every child with waitpid(-1) and hands each status
/// to whoever waits for that pid, so no two waiters ever steal each other's children.</summary>
public static class Reaper
{
    private static readonly object Gate = new(); // Monitor.Wait/PulseAll need a plain object, not a Lock
    private static readonly Dictionary<int, (int Status, long At)> Exited = [];
    private static bool _threaded;

    /// <summary>How many statuses of children nobody waited for are kept (orphans re-parented to a
    /// subreaper die unwaited; a waiter may also ask just after the exit).</summary>
    private const int Kept = 4096;

    /// <summary>Called for each reaped child nobody is waiting for (with its status), on the reaper thread.</summary>
    public static event Action<int, int>? Reaped;

    public static bool IsReaping => _threaded;

    public static void StartReaping()
    {
        lock (Gate)
        {
            if (_threaded) return;
            _threaded = true;
        }
        new Thread(Loop) { IsBackground = true, Name = "reaper" }.Start();
    }

    private static void Loop()
    {
        while (true)
        {
            var pid = Libc.WaitPid(-1, out var status, 0);
            if (pid < 0)
            {
                var e = Marshal.GetLastPInvokeError();
                if (e == Errno.EINTR) continue;
                // ECHILD: no children right now; new ones appear whenever something is spawned.
                Thread.Sleep(e == Errno.ECHILD ? 5 : 50);
                continue;
            }
            lock (Gate)
            {
                var now = Environment.TickCount64;
                Exited[pid] = (status, now);
                if (Exited.Count > Kept)
                    foreach (var old in Exited.Where(kv => now - kv.Value.At > 60_000).Select(kv => kv.Key).ToList()) Exited.Remove(old);
                System.Threading.Monitor.PulseAll(Gate);
            }
            Reaped?.Invoke(pid, status);
        }
    }

    /// <summary>Waits for child <paramref name="pid"/> to exit; its wait status, or null if
    /// <paramref name="timeout"/> passed first (the child is left alone).</summary>
    public static unsafe int? Wait(int pid, TimeSpan? timeout = null)
    {
        if (_threaded)
        {
            var deadline = timeout is null ? long.MaxValue : Environment.TickCount64 + (long)timeout.Value.TotalMilliseconds;
            lock (Gate)
            {
                while (true)
                {
                    if (Exited.Remove(pid, out var e)) return e.Status;
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0) return null;
                    System.Threading.Monitor.Wait(Gate, (int)Math.Min(left, 1000));
                }
            }
        }
        if (timeout is null)
        {
            while (true)
            {
                if (Libc.WaitPid(pid, out var status, 0) == pid) return status;
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) throw ErrnoException.FromLast($"wait for pid {pid}");
            }
        }
        var pidfd = (int)Libc.Syscall(Sys.PidfdOpen, pid, 0, 0, 0, 0);
        if (pidfd < 0) throw ErrnoException.FromLast($"pidfd_open {pid}");
        try
        {
            var end = Environment.TickCount64 + (long)timeout.Value.TotalMilliseconds;
            while (true)
            {
                var left = (int)Math.Max(0, end - Environment.TickCount64);
                var pfd = new Libc.PollFd { Fd = pidfd, Events = 1 };
                var r = Libc.Poll(&pfd, 1, left);
                if (r < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                if (r > 0) return Wait(pid);
                if (Environment.TickCount64 >= end) return null;
            }
        }
        finally { Libc.Close(pidfd); }
    }

    /// <summary>Reaps <paramref name="pid"/> if it has exited; never blocks.</summary>
    public static bool TryReap(int pid, out int status)
    {
        if (_threaded)
            lock (Gate)
            {
                var found = Exited.Remove(pid, out var e);
                status = e.Status;
                return found;
            }
        return Libc.WaitPid(pid, out status, 1 /* WNOHANG */) == pid;
    }
}
