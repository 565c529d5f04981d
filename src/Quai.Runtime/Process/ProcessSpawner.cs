using System.Runtime.InteropServices;
using Quai.Interop;

namespace Quai.Runtime.Process;

/// <summary>Starts host programs (hooks, `ps`) through the native spawn, which never runs managed
/// code between fork and exec, and waits for them with an optional timeout.</summary>
public static unsafe class ProcessSpawner
{
    public static int Spawn(string path, IReadOnlyList<string> args, IReadOnlyList<string> env, IReadOnlyList<(int From, int To)> fds, int flags = 0, int exeFd = -1)
    {
        using var argv = new CStringArray(args);
        using var envp = new CStringArray(env);
        var map = stackalloc int[fds.Count * 2 + 1];
        for (var i = 0; i < fds.Count; i++) { map[2 * i] = fds[i].From; map[2 * i + 1] = fds[i].To; }
        var pathPtr = argv.Alloc(path);
        var pid = Native.Spawn(pathPtr, exeFd, argv.Pointer, envp.Pointer, map, fds.Count, flags);
        if (pid < 0) throw new ErrnoException($"exec {path}", -pid);
        return pid;
    }

    /// <summary>Waits for <paramref name="pid"/>; returns its wait status, or null when the timeout
    /// passed (the process is then killed and reaped). Through the <see cref="Reaper"/>.</summary>
    public static int? Wait(int pid, TimeSpan? timeout = null)
    {
        var status = Reaper.Wait(pid, timeout);
        if (status is not null) return status;
        Libc.Kill(pid, Sig.KILL);
        Reaper.Wait(pid);
        return null;
    }

    /// <summary>Exit code as a shell reports it: the status, or 128 + signal.</summary>
    public static int ExitCode(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    public static bool Signaled(int status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;

    public static int[] Pipe()
    {
        var fds = new int[2];
        fixed (int* p = fds)
            if (Libc.Pipe2(p, O.CLOEXEC) < 0) throw ErrnoException.FromLast("pipe2");
        return fds;
    }
}
