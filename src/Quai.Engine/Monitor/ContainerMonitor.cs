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
/// parent of the container's init (the <see cref="Reaper"/> is the process's one owner of waitpid) and
/// runs one container run from start to final exit: this class holds the run loop (claim, start,
/// wait, record the exit, restart policy, --rm), and delegates by concern to <see cref="StarterPipe"/>
/// (reporting to whoever started it), <see cref="AttachServer"/> (clients and stdin),
/// <see cref="OutputPumps"/> (stdio into the log and to clients), <see cref="HealthChecker"/>,
/// <see cref="RestartManager"/> and <see cref="RecordWriter"/> (record updates that survive a full disk).</summary>
public sealed unsafe class ContainerMonitor
{
    private readonly ContainerEngine _engine;
    private readonly string _id;
    private readonly bool _waitForAttach;
    private readonly string _dir;
    private readonly StarterPipe _starter = new();
    private readonly RecordWriter _records;
    private JsonFileLogWriter _log = null!;
    private AttachServer _attach = null!;
    private OutputPumps _pumps = null!;
    private IDisposable? _dns;
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
        _records = new RecordWriter(_engine.Store, id);
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
            m._starter.Say($"error 125 {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private int Run()
    {
        Mark("main");
        var store = _engine.Store;
        var self = Environment.ProcessId;
        var c = Claim(store, self);
        if (c is null) return 0;
        var logCfg = c.HostConfig.LogConfig.Config;
        // --log-driver none: nothing kept (attached clients still get the output); local: Docker's local driver,
        // kept in the json-file format with its defaults
        _log = new JsonFileLogWriter(c.HostConfig.LogConfig.Type == "none" ? "/dev/null" : c.LogPath, JsonFileLogWriter.ParseSize(logCfg.GetValueOrDefault("max-size")),
            int.TryParse(logCfg.GetValueOrDefault("max-file"), out var mf) ? mf : 1);
        using var attach = new AttachServer(_dir, () => !_engine.Store.Load(_id).Config.Tty);
        _attach = attach;
        _pumps = new OutputPumps(() => _log, attach);

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
                StopDns();
                try { _engine.DetachNetworks(_id); } catch (Exception x) { Console.Error.WriteLine($"detach networks: {x.Message}"); }
                try { _engine.UnmountRootfs(_id); } catch (Exception) { }
                c = store.Update(_id, x =>
                {
                    x.State.Status = first ? "created" : "exited";
                    x.State.Running = x.State.Restarting = x.State.Paused = false;
                    x.State.Pid = 0; x.State.ExitCode = failCode; x.State.Error = msg; x.State.FinishedAt = Times.Now();
                    x.Quai.MonitorPid = 0;
                });
                _starter.Say($"error {failCode} {msg}");
                _starter.Close();
                exitCode = failCode;
                break;
            }
            Mark("started");
            if (first) { _starter.Say($"started {initPid}"); _starter.Close(); }
            first = false;
            var startedAt = DateTime.UtcNow;
            EmitStart(c);
            using var healthStop = new CancellationTokenSource();
            Thread? health = null;
            if (c.Config.Healthcheck is { Test: { Count: > 0 } t } hcfg && t[0] != "NONE")
            {
                health = new Thread(() => new HealthChecker(_engine, _id, _records.TryUpdate).Run(hcfg, healthStop.Token)) { IsBackground = true, Name = "health" };
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
            StopDns();
            try { _engine.DetachNetworks(_id); } catch (Exception e) { Console.Error.WriteLine($"detach networks: {e.Message}"); }
            Mark("networks detached");
            _pumps.Drain(TimeSpan.FromSeconds(2));
            _attach.CloseStdin();
            _log.Flush();
            try { _engine.UnmountRootfs(_id); } catch (Exception e) { Console.Error.WriteLine($"unmount: {e.Message}"); }
            Mark("cleaned up");

            c = store.Load(_id);
            var delay = policy.ShouldRestart(exitCode, c.Quai.StopRequested, c.RestartCount, DateTime.UtcNow - startedAt);
            var code = exitCode;
            c = _records.Persist(x =>
            {
                x.State.Running = x.State.Paused = false;
                x.State.Pid = 0; x.State.ExitCode = code; x.State.OOMKilled = oom > 0; x.State.FinishedAt = Times.Now();
                x.State.Status = delay is null ? "exited" : "restarting";
                x.State.Restarting = delay is not null;
                if (x.State.Health is { } h && delay is null) h.Status = "unhealthy";
                if (delay is null) x.Quai.MonitorPid = 0;
            });
            if (oom > 0) _engine.EmitContainer(c, "oom");
            _engine.EmitContainer(c, "die", ("exitCode", code.ToString(System.Globalization.CultureInfo.InvariantCulture)));
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

        _attach.SendExitAndClose(exitCode);
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

    /// <summary>The start event, after each volume's mount event (dockerd's order).</summary>
    private void EmitStart(Container c)
    {
        foreach (var v in c.Mounts.Where(v => v.Type == "volume" && v.Name is not null))
            _engine.EmitVolume(v.Name!, "mount", ("container", c.Id), ("destination", v.Destination), ("propagation", ""), ("read/write", v.RW ? "true" : "false"));
        _engine.EmitContainer(c, "start");
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
            _starter.Say("error 125 another start of this container won");
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
        using (_engine.Store.Lock(_id))
        {
            _engine.MountRootfs(c);
            Volumes.VolumePrefill.Populate(c, _engine.RootfsDir(_id));
        }
        Mark("rootfs mounted");
        var netns = _engine.AttachNetworks(c);
        Mark("networks attached");
        _dns = _engine.StartDns(c);
        var bundle = _engine.BundleDir(_id);
        var spec = SpecBuilder.Build(c, _engine.RootfsDir(_id), _dir, netns, _engine.RunningInitPid);
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
                _attach.SetStdin(c.Config.OpenStdin ? master : -1);
                _attach.SetConsole(master);
                _pumps.Start(master, "stdout", AttachProtocol.Stdout, closeAfter: !c.Config.OpenStdin);
            }
            else
            {
                Libc.Close(stdout![1]); stdout[1] = -1;
                Libc.Close(stderr![1]); stderr[1] = -1;
                _pumps.Start(stdout[0], "stdout", AttachProtocol.Stdout, closeAfter: true);
                _pumps.Start(stderr[0], "stderr", AttachProtocol.Stderr, closeAfter: true);
                if (stdin is not null) { Libc.Close(stdin[0]); stdin[0] = -1; _attach.SetStdin(stdin[1]); }
            }
            if (first && _waitForAttach)
            {
                _starter.Say("created");
                // The CLI connects at once. As Docker, a container whose client never attaches stays
                // Created: give up when the starter is gone (its end of the sync pipe closed), when
                // rm -f/stop asks, or after a minute.
                var deadline = Environment.TickCount64 + 60_000;
                while (!_attach.WaitFirstClient(TimeSpan.FromMilliseconds(100)))
                {
                    if (_engine.Store.Load(_id).Quai.StopRequested) throw new ContainerStartException("container stopped before it was attached", 125);
                    if (_starter.StarterGone()) throw new ContainerStartException("the client that started the container exited before it attached", 125);
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

    private void StopDns()
    {
        try { _dns?.Dispose(); } catch (Exception e) { Console.Error.WriteLine($"stop dns: {e.Message}"); }
        _dns = null;
    }

    /// <summary>The init's wait status. The monitor is a subreaper: the reaper thread reaps every
    /// child (orphans of the container included) and hands each status to its waiter.</summary>
    private static int WaitInit(int initPid) => Reaper.Wait(initPid) ?? 255 << 8;
}
