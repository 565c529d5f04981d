using System.Runtime.InteropServices;
using System.Text;
using Quai.Interop;
using Quai.Runtime.Process;

namespace Quai.Engine.Networking;

/// <summary>The engine's way of running host programs for the network library (nft): the native
/// spawn with pipes, waited for through the <see cref="Reaper"/>, so it also works inside the container
/// monitor, whose reaper thread owns waitpid(-1) (System.Diagnostics.Process would lose its child there
/// and hang).</summary>
public static unsafe class SpawnedHostCommand
{
    public static (int Exit, string Stdout, string Stderr) Run(string file, IReadOnlyList<string> args, string? stdin)
    {
        var inPipe = ProcessSpawner.Pipe();
        var outPipe = ProcessSpawner.Pipe();
        var errPipe = ProcessSpawner.Pipe();
        int pid;
        try
        {
            pid = ProcessSpawner.Spawn(file, [Path.GetFileName(file), .. args], ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"],
                [(inPipe[0], 0), (outPipe[1], 1), (errPipe[1], 2)]);
        }
        catch (ErrnoException e)
        {
            foreach (var fd in inPipe.Concat(outPipe).Concat(errPipe)) Libc.Close(fd);
            throw new IOException($"cannot run {file} ({e.Message})", e);
        }
        Libc.Close(inPipe[0]); Libc.Close(outPipe[1]); Libc.Close(errPipe[1]);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var readers = new[] { Reader(outPipe[0], stdout), Reader(errPipe[0], stderr) };
        foreach (var t in readers) t.Start();
        var data = Encoding.UTF8.GetBytes(stdin ?? "");
        fixed (byte* b = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = Libc.Write(inPipe[1], b + off, data.Length - off);
                if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                if (n <= 0) break; // the program exited without reading: its status says why
                off += (int)n;
            }
        }
        Libc.Close(inPipe[1]);
        var status = ProcessSpawner.Wait(pid, TimeSpan.FromSeconds(60));
        foreach (var t in readers) t.Join(TimeSpan.FromSeconds(5));
        if (status is null) return (124, Encoding.UTF8.GetString(stdout.ToArray()), $"{file} timed out after 60s");
        return (ProcessSpawner.ExitCode(status.Value), Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    private static Thread Reader(int fd, MemoryStream into) => new(() =>
    {
        var buf = new byte[8192];
        fixed (byte* b = buf)
            while (true)
            {
                var n = Libc.Read(fd, b, buf.Length);
                if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                if (n <= 0) break;
                if (into.Length < 1 << 20) into.Write(buf, 0, (int)n);
            }
        Libc.Close(fd);
    }) { IsBackground = true, Name = "host-command" };
}
