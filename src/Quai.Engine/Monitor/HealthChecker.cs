using System.Runtime.InteropServices;
using System.Text;
using Quai.Engine.Containers;
using Quai.Interop;
using Quai.Runtime.Containers;
using Quai.Runtime.Launch;
using Quai.Runtime.Process;

namespace Quai.Engine.Monitor;

/// <summary>A container's HEALTHCHECK, run by its monitor while the init runs: every interval a probe is exec'd
/// in the container (as <c>docker exec</c> would), its exit code and first 4 KiB of output kept in the last five
/// log entries, and the status moved starting → healthy/unhealthy by Docker's rules (failures inside the start
/// period do not count while still starting). Probes are children of the monitor, waited through the
/// <see cref="Reaper"/>.</summary>
public sealed unsafe class HealthChecker(ContainerEngine engine, string id, Action<string, Action<Container>> update)
{
    private static TimeSpan Ns(long? ns, TimeSpan dflt) => ns is > 0 ? TimeSpan.FromTicks(ns.Value / 100) : dflt;

    /// <summary>Runs until <paramref name="ct"/> is cancelled (the init exited).</summary>
    public void Run(Oci.Image.HealthConfig hc, CancellationToken ct)
    {
        var interval = Ns(hc.Interval, TimeSpan.FromSeconds(30));
        var timeout = Ns(hc.Timeout, TimeSpan.FromSeconds(30));
        var startPeriod = Ns(hc.StartPeriod, TimeSpan.Zero);
        var retries = hc.Retries is > 0 ? hc.Retries.Value : 3;
        var started = DateTime.UtcNow;
        var args = hc.Test![0] switch
        {
            "CMD" => hc.Test.Skip(1).ToList(),
            "CMD-SHELL" => ["/bin/sh", "-c", string.Join(' ', hc.Test.Skip(1))],
            _ => hc.Test.ToList(),
        };
        while (!ct.WaitHandle.WaitOne(interval))
        {
            var start = DateTime.UtcNow;
            int exit;
            string output;
            try { (exit, output) = Probe(args, timeout); }
            catch (Exception e) { (exit, output) = (-1, e.Message); }
            if (ct.IsCancellationRequested) return;
            var inStart = DateTime.UtcNow - started < startPeriod;
            var entry = new HealthLogEntry { Start = Times.Format(start), End = Times.Now(), ExitCode = exit, Output = output };
            string? before = null, after = null;
            update("health status", x =>
            {
                var h = x.State.Health ??= new HealthState();
                before = h.Status;
                h.Log.Add(entry);
                while (h.Log.Count > 5) h.Log.RemoveAt(0);
                if (exit == 0) { h.Status = "healthy"; h.FailingStreak = 0; }
                else if (!inStart || h.Status != "starting")
                {
                    h.FailingStreak++;
                    if (h.FailingStreak >= retries) h.Status = "unhealthy";
                }
                after = h.Status;
            });
            if (after is not null && after != before) engine.EmitContainer(id, "health_status: " + after);
        }
    }

    private (int Exit, string Output) Probe(List<string> args, TimeSpan timeout)
    {
        var proc = engine.Runtime.BaseProcess(id);
        proc.Args = args;
        proc.Terminal = false;
        proc.ConsoleSize = null;
        var pipe = ProcessSpawner.Pipe();
        int pid;
        var devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
        try
        {
            pid = engine.Runtime.Exec(id, new ContainerRuntime.ExecOptions { Process = proc, Stdio = new StdioFds(devnull, pipe[1], pipe[1]) });
        }
        finally
        {
            Libc.Close(devnull);
            Libc.Close(pipe[1]);
        }
        var output = new MemoryStream();
        var reader = new Thread(() =>
        {
            var buf = new byte[4096];
            fixed (byte* b = buf)
                while (true)
                {
                    var n = Libc.Read(pipe[0], b, buf.Length);
                    if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    if (n <= 0) break;
                    if (output.Length < 4096) output.Write(buf, 0, (int)Math.Min(n, 4096 - output.Length));
                }
            Libc.Close(pipe[0]);
        }) { IsBackground = true };
        reader.Start();
        var status = Reaper.Wait(pid, timeout);
        if (status is null)
        {
            Libc.Kill(pid, Sig.KILL);
            Reaper.Wait(pid, TimeSpan.FromSeconds(5));
            reader.Join(TimeSpan.FromSeconds(1));
            return (-1, $"Health check exceeded timeout ({timeout.TotalSeconds}s)");
        }
        reader.Join(TimeSpan.FromSeconds(1));
        return (ProcessSpawner.ExitCode(status.Value), Encoding.UTF8.GetString(output.ToArray()));
    }
}
