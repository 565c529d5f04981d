using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Quai.Engine.Containers;
using Quai.Engine.Logs;
using Quai.Engine.Specs;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Containers;
using Quai.Runtime.Launch;
using ContainerStore = Quai.Engine.Containers.ContainerStore;
using Quai.Runtime.Process;
using Quai.Runtime.Terminal;

namespace Quai.Engine.Monitor;

/// <summary>The per-container monitor (what conmon is to podman): `quai container-monitor ROOT ID
/// attach|detach`, started detached by <see cref="ContainerEngine.Start"/>. It is the subreaper and
/// parent of the container's init, holds its stdio (pipes, or the pty master), writes the json-file
/// log, serves the attach socket, runs health checks, records the exit, applies the restart policy
/// and --rm. One monitor per container run; it exits when the container is finally down.</summary>
public sealed unsafe class ContainerMonitor
{
    private readonly ContainerEngine _engine;
    private readonly string _id;
    private readonly bool _waitForAttach;
    private readonly string _dir;
    private readonly object _clientsLock = new();
    private readonly List<Socket> _clients = [];
    private readonly ManualResetEventSlim _firstClient = new();
    private JsonFileLogWriter _log = null!;
    private int _stdinFd = -1;
    private bool _syncOpen = true;
    private readonly List<Thread> _pumps = [];
    private static readonly bool Timing = Environment.GetEnvironmentVariable("QUAI_TIMING") == "1";
    private static readonly long T0 = Environment.TickCount64;

    /// <summary>QUAI_TIMING=1: phase timestamps in monitor.log.</summary>
    public static void Mark(string what, string who = "monitor")
    {
        if (Timing) Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.ffffff} +{Environment.TickCount64 - T0}ms {who}: {what}");
    }

    private ContainerMonitor(string root, string id, bool waitForAttach)
    {
        _engine = new ContainerEngine(root);
        _id = id;
        _waitForAttach = waitForAttach;
        _dir = _engine.Store.Dir(id);
    }

    /// <summary>Entry point of the hidden verb (args: container-monitor ROOT ID MODE).</summary>
    public static int Main(string[] args)
    {
        if (args.Length < 4) { Console.Error.WriteLine("usage: quai container-monitor ROOT ID attach|detach"); return 2; }
        Libc.Setsid();
        Libc.Prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);
        Reaper.StartReaping();
        var m = new ContainerMonitor(args[1], args[2], args[3] == "attach");
        try { return m.Run(); }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{DateTime.UtcNow:O} monitor {args[2]}: {e}");
            m.Sync($"error 125 {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private void Sync(string line)
    {
        if (!_syncOpen) return;
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        fixed (byte* b = bytes) Libc.Write(1, b, bytes.Length);
    }

    /// <summary>A record update that may fail (a full disk) without taking the monitor down: the
    /// change is lost and the failure is said once in monitor.log.</summary>
    private void TryUpdate(string what, Action<Container> change)
    {
        try { _engine.Store.Update(_id, change); _updateFailing = false; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { SayOnce(what, e); }
    }

    private void SayOnce(string what, Exception e)
    {
        if (_updateFailing) return;
        _updateFailing = true;
        try { Console.Error.WriteLine($"{DateTime.UtcNow:O} record {what}: {e.Message}"); } catch (IOException) { }
    }

    private bool _updateFailing;

    /// <summary>An update that must land (the exit of the container): retried every half second for
    /// up to two minutes while the disk is full; after that the record stays as it was and the next
    /// command shows the container exited (its monitor is gone).</summary>
    private Container Persist(Action<Container> change)
    {
        var deadline = Environment.TickCount64 + 120_000;
        while (true)
        {
            try { return _engine.Store.Update(_id, change); }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && e is not FileNotFoundException && Environment.TickCount64 < deadline)
            {
                SayOnce("exit", e);
                Thread.Sleep(500);
            }
        }
    }

    /// <summary>Whether the process that started us closed its end of the sync pipe (it died, or
    /// gave up): poll reports POLLERR on a pipe's write end once the read end is closed.</summary>
    private bool StarterGone()
    {
        if (!_syncOpen) return false;
        var pfd = new Libc.PollFd { Fd = 1, Events = 0 };
        return Libc.Poll(&pfd, 1, 0) > 0 && (pfd.Revents & (0x8 /* POLLERR */ | 0x10 /* POLLHUP */)) != 0;
    }

    private void CloseSync()
    {
        if (!_syncOpen) return;
        _syncOpen = false;
        var devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
        Libc.Dup2(devnull, 1);
        Libc.Close(devnull);
    }

    private int Run()
    {
        Mark("main");
        var store = _engine.Store;
        var self = Environment.ProcessId;
        var c = Claim(store, self);
        if (c is null) return 0;
        var logCfg = c.HostConfig.LogConfig.Config;
        _log = new JsonFileLogWriter(c.LogPath, JsonFileLogWriter.ParseSize(logCfg.GetValueOrDefault("max-size")),
            int.TryParse(logCfg.GetValueOrDefault("max-file"), out var mf) ? mf : 1);
        using var listener = AttachProtocol.Listen(_dir);
        new Thread(() => AcceptLoop(listener)) { IsBackground = true, Name = "attach" }.Start();

        Mark("listening");
        var policy = new RestartManager(c.HostConfig.RestartPolicy.Name, c.HostConfig.RestartPolicy.MaximumRetryCount);
        var first = true;
        int exitCode;
        while (true)
        {
            int initPid;
            try { initPid = StartOnce(first); }
            catch (Exception e)
            {
                var msg = e.Message.ReplaceLineEndings(" ");
                // Docker's classes, carried by the runtime as data: 127 not found, 126 cannot execute.
                var failCode = e is Quai.Runtime.ProcessStartException pse ? pse.ExitCode : 125;
                Console.Error.WriteLine($"{DateTime.UtcNow:O} start failed: {e}");
                try { _engine.Runtime.Delete(_id, force: true); } catch (Exception) { }
                try { _engine.UnmountRootfs(_id); } catch (Exception) { }
                c = store.Update(_id, x =>
                {
                    x.State.Status = first ? "created" : "exited";
                    x.State.Running = x.State.Restarting = x.State.Paused = false;
                    x.State.Pid = 0; x.State.ExitCode = failCode; x.State.Error = msg; x.State.FinishedAt = Times.Now();
                    x.Quai.MonitorPid = 0;
                });
                Sync($"error {failCode} {msg}");
                CloseSync();
                exitCode = failCode;
                break;
            }
            Mark("started");
            if (first) { Sync($"started {initPid}"); CloseSync(); }
            first = false;
            var startedAt = DateTime.UtcNow;
            using var healthStop = new CancellationTokenSource();
            Thread? health = null;
            if (c.Config.Healthcheck is { Test: { Count: > 0 } t } hcfg && t[0] != "NONE")
            {
                health = new Thread(() => HealthLoop(hcfg, healthStop.Token)) { IsBackground = true, Name = "health" };
                health.Start();
            }
            var status = WaitInit(initPid);
            exitCode = ProcessSpawner.ExitCode(status);
            Mark("init exited");
            healthStop.Cancel();
            health?.Join(TimeSpan.FromSeconds(5));
            ulong oom = 0;
            try
            {
                var paths = _engine.Runtime.Store.Load(_id).CgroupPaths;
                if (paths.Count > 0) oom = Quai.Runtime.Cgroups.CgroupManagerFactory.Load(paths).OomKillCount();
            }
            catch (Exception) { }
            try { _engine.Runtime.Delete(_id, force: true); } catch (Exception e) { Console.Error.WriteLine($"delete: {e.Message}"); }
            foreach (var p in _pumps) p.Join(TimeSpan.FromSeconds(2));
            _pumps.Clear();
            CloseStdin();
            _log.Flush();
            try { _engine.UnmountRootfs(_id); } catch (Exception e) { Console.Error.WriteLine($"unmount: {e.Message}"); }
            Mark("cleaned up");

            c = store.Load(_id);
            var delay = policy.ShouldRestart(exitCode, c.Quai.StopRequested, c.RestartCount, DateTime.UtcNow - startedAt);
            var code = exitCode;
            c = Persist(x =>
            {
                x.State.Running = x.State.Paused = false;
                x.State.Pid = 0; x.State.ExitCode = code; x.State.OOMKilled = oom > 0; x.State.FinishedAt = Times.Now();
                x.State.Status = delay is null ? "exited" : "restarting";
                x.State.Restarting = delay is not null;
                if (x.State.Health is { } h && delay is null) h.Status = "unhealthy";
                if (delay is null) x.Quai.MonitorPid = 0;
            });
            if (delay is null) break;
            var until = Environment.TickCount64 + (long)delay.Value.TotalMilliseconds;
            var stopped = false;
            while (Environment.TickCount64 < until)
            {
                Thread.Sleep(20);
                if (store.Load(_id).Quai.StopRequested) { stopped = true; break; }
            }
            if (stopped)
            {
                c = store.Update(_id, x => { x.State.Status = "exited"; x.State.Restarting = false; x.Quai.MonitorPid = 0; });
                break;
            }
            c = store.Update(_id, x => x.RestartCount++);
        }

        Broadcast(AttachProtocol.Frame(AttachProtocol.Exit, Encoding.ASCII.GetBytes(exitCode.ToString())));
        lock (_clientsLock)
        {
            foreach (var s in _clients) { try { s.Shutdown(SocketShutdown.Both); } catch (Exception) { } s.Dispose(); }
            _clients.Clear();
        }
        _log.Dispose();
        c = store.Load(_id);
        if (c.HostConfig.AutoRemove)
        {
            try { _engine.RemoveStopped(c, volumes: true); }
            catch (Exception e) { Console.Error.WriteLine($"auto-remove: {e}"); }
            Mark("removed");
        }
        else File.Delete(Path.Combine(_dir, "attach.sock"));
        _engine.Dispose();
        return 0;
    }

    /// <summary>The record names the monitor that `start` spawned, written under the lock before the
    /// lock was released; a monitor that is not that one (its starter died before recording it, or
    /// lost a race) leaves without touching the container. Null then.</summary>
    private Container? Claim(ContainerStore store, int self)
    {
        using var _ = store.Lock(_id);
        var c = store.Load(_id);
        var me = ProcStat.Read(self)?.StartTime ?? 0;
        if (c.Quai.MonitorPid != self || c.Quai.MonitorStartTime != me)
        {
            Console.Error.WriteLine($"{DateTime.UtcNow:O} monitor {self}: the record names monitor {c.Quai.MonitorPid}; leaving the container alone");
            Sync("error 125 another start of this container won");
            return null;
        }
        return c;
    }

    /// <summary>Mounts the rootfs, writes the bundle, creates the container with our pipes (or a pty)
    /// as its stdio, waits for the first attach client when asked, starts it.</summary>
    private int StartOnce(bool first)
    {
        var c = _engine.Store.Load(_id);
        // A runtime container of this id can only be left by a monitor that died (killed inside the runtime's
        // create, or with its init waiting to be started): this monitor owns the container now, so it is removed
        // (its processes and cgroups too) instead of making this start fail with "container with id exists".
        if (Directory.Exists(_engine.Runtime.Store.Dir(_id)))
        {
            Console.Error.WriteLine($"{DateTime.UtcNow:O} removing the runtime state a dead monitor left");
            _engine.Runtime.Delete(_id, force: true);
        }
        // under the container's lock: cp on a stopped container mounts and unmounts the same snapshot under it
        using (_engine.Store.Lock(_id)) _engine.MountRootfs(c);
        Mark("rootfs mounted");
        var bundle = _engine.BundleDir(_id);
        var spec = SpecBuilder.Build(c, _engine.RootfsDir(_id), _dir);
        using (var f = new FileStream(Path.Combine(bundle, "config.json"), Quai.Fs.PrivateStore.NewFile(FileMode.Create))) // holds the env: 0600
            f.Write(JsonSerializer.SerializeToUtf8Bytes(spec, RuntimeJsonContext.Default.Spec));
        Mark("bundle written");

        var tty = c.Config.Tty;
        int[]? stdout = null, stderr = null, stdin = null, console = null;
        var devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
        try
        {
            if (tty)
            {
                console = new int[2];
                fixed (int* sv = console)
                    if (Libc.SocketPair(1, 1 | 0x80000, 0, sv) < 0) throw ErrnoException.FromLast("socketpair for console");
            }
            else
            {
                stdout = ProcessSpawner.Pipe();
                stderr = ProcessSpawner.Pipe();
                if (c.Config.OpenStdin) stdin = ProcessSpawner.Pipe();
            }
            var record = _engine.Runtime.Create(_id, new ContainerRuntime.CreateOptions
            {
                Bundle = bundle, ConsoleSocketFd = console?[1] ?? -1,
                Stdio = new StdioFds(stdin?[0] ?? devnull, stdout?[1] ?? devnull, stderr?[1] ?? devnull),
            });
            Mark("runtime created");
            if (tty)
            {
                var (master, _) = ConsoleSocket.ReceiveFd(console![0]);
                _stdinFd = c.Config.OpenStdin ? master : -1;
                StartPump(master, "stdout", AttachProtocol.Stdout, closeAfter: !c.Config.OpenStdin);
            }
            else
            {
                Libc.Close(stdout![1]); stdout[1] = -1;
                Libc.Close(stderr![1]); stderr[1] = -1;
                StartPump(stdout[0], "stdout", AttachProtocol.Stdout, closeAfter: true);
                StartPump(stderr[0], "stderr", AttachProtocol.Stderr, closeAfter: true);
                if (stdin is not null) { Libc.Close(stdin[0]); stdin[0] = -1; _stdinFd = stdin[1]; }
            }
            if (first && _waitForAttach)
            {
                Sync("created");
                // The CLI connects at once. As Docker, a container whose client never attaches stays
                // Created: give up when the starter is gone (its end of the sync pipe closed), when
                // rm -f/stop asks, or after a minute.
                var deadline = Environment.TickCount64 + 60_000;
                while (!_firstClient.Wait(100))
                {
                    if (_engine.Store.Load(_id).Quai.StopRequested) throw new ContainerStartException("container stopped before it was attached", 125);
                    if (StarterGone()) throw new ContainerStartException("the client that started the container exited before it attached", 125);
                    if (Environment.TickCount64 > deadline) throw new ContainerStartException("no client attached within a minute", 125);
                }
            }
            Mark("attached");
            _engine.Runtime.Start(_id);
            Mark("runtime started");
            var pid = record.InitPid;
            _engine.Store.Update(_id, x =>
            {
                x.State.Status = "running"; x.State.Running = true; x.State.Restarting = false; x.State.Paused = false;
                x.State.Pid = pid; x.State.StartedAt = Times.Now(); x.State.Error = ""; x.State.ExitCode = 0; x.State.OOMKilled = false;
                if (x.Config.Healthcheck is { Test: { Count: > 0 } t } && t[0] != "NONE") x.State.Health = new HealthState();
            });
            return pid;
        }
        finally
        {
            Libc.Close(devnull);
            if (console is not null) { Libc.Close(console[0]); Libc.Close(console[1]); }
            if (stdout is not null && stdout[1] >= 0) Libc.Close(stdout[1]);
            if (stderr is not null && stderr[1] >= 0) Libc.Close(stderr[1]);
            if (stdin is not null && stdin[0] >= 0) Libc.Close(stdin[0]);
        }
    }

    private void StartPump(int fd, string stream, byte frameType, bool closeAfter)
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
                    _log.Write(stream, data);
                    Broadcast(AttachProtocol.Frame(frameType, data));
                }
            }
            if (closeAfter) Libc.Close(fd);
        }) { IsBackground = true, Name = "pump-" + stream };
        _pumps.Add(t);
        t.Start();
    }

    private void CloseStdin()
    {
        var fd = Interlocked.Exchange(ref _stdinFd, -1);
        if (fd >= 0) Libc.Close(fd);
    }

    private void Broadcast(byte[] frame)
    {
        lock (_clientsLock)
        {
            for (var i = _clients.Count - 1; i >= 0; i--)
            {
                try { _clients[i].Send(frame); }
                catch (Exception) { _clients[i].Dispose(); _clients.RemoveAt(i); }
            }
        }
    }

    /// <summary>Clients send one byte first: 'i' when they forward stdin, anything else otherwise.</summary>
    private void AcceptLoop(Socket listener)
    {
        while (true)
        {
            Socket s;
            try { s = listener.Accept(); }
            catch (Exception) { return; }
            var mode = new byte[1];
            try { if (s.Receive(mode) != 1) { s.Dispose(); continue; } }
            catch (Exception) { s.Dispose(); continue; }
            lock (_clientsLock) _clients.Add(s);
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
        if (!_engine.Store.Load(_id).Config.Tty) CloseStdin();
    }

    /// <summary>The init's wait status. The monitor is a subreaper: the reaper thread reaps every
    /// child (orphans of the container included) and hands each status to its waiter.</summary>
    private static int WaitInit(int initPid) => Reaper.Wait(initPid) ?? 255 << 8;

    private static int? WaitChild(int pid, TimeSpan timeout) => Reaper.Wait(pid, timeout);

    // ---------------------------------------------------------------- health checks

    private static TimeSpan Ns(long? ns, TimeSpan dflt) => ns is > 0 ? TimeSpan.FromTicks(ns.Value / 100) : dflt;

    private void HealthLoop(Oci.Image.HealthConfig hc, CancellationToken ct)
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
            TryUpdate("health status", x =>
            {
                var h = x.State.Health ??= new HealthState();
                h.Log.Add(entry);
                while (h.Log.Count > 5) h.Log.RemoveAt(0);
                if (exit == 0) { h.Status = "healthy"; h.FailingStreak = 0; }
                else if (!inStart || h.Status != "starting")
                {
                    h.FailingStreak++;
                    if (h.FailingStreak >= retries) h.Status = "unhealthy";
                }
            });
        }
    }

    private (int Exit, string Output) Probe(List<string> args, TimeSpan timeout)
    {
        var proc = _engine.Runtime.BaseProcess(_id);
        proc.Args = args;
        proc.Terminal = false;
        proc.ConsoleSize = null;
        var pipe = ProcessSpawner.Pipe();
        int pid;
        var devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
        try
        {
            pid = _engine.Runtime.Exec(_id, new ContainerRuntime.ExecOptions { Process = proc, Stdio = new StdioFds(devnull, pipe[1], pipe[1]) });
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
        var status = WaitChild(pid, timeout);
        if (status is null)
        {
            Libc.Kill(pid, Sig.KILL);
            WaitChild(pid, TimeSpan.FromSeconds(5));
            reader.Join(TimeSpan.FromSeconds(1));
            return (-1, $"Health check exceeded timeout ({timeout.TotalSeconds}s)");
        }
        reader.Join(TimeSpan.FromSeconds(1));
        return (ProcessSpawner.ExitCode(status.Value), Encoding.UTF8.GetString(output.ToArray()));
    }
}
