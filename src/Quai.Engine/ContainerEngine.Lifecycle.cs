using System.Runtime.InteropServices;
using System.Text;
using Quai.Engine.Containers;
using Quai.Interop;
using Quai.Runtime;
using Quai.Runtime.Containers;
using ContainerStore = Quai.Engine.Containers.ContainerStore;
using Quai.Runtime.Process;

namespace Quai.Engine;

/// <summary>What the monitor reported to the starting CLI over its sync pipe.</summary>
public sealed class MonitorHandle(int syncFd, int pid) : IDisposable
{
    public int Pid { get; } = pid;
    /// <summary>The container was already running: `start` is then a no-op.</summary>
    public bool AlreadyRunning => Pid == 0;
    private int _fd = syncFd;

    /// <summary>The next line from the monitor ("created", "started PID", "error CODE MESSAGE"); null at EOF.</summary>
    public unsafe string? ReadLine()
    {
        var sb = new StringBuilder();
        byte b;
        while (true)
        {
            var n = Libc.Read(_fd, &b, 1);
            if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
            if (n <= 0) return sb.Length > 0 ? sb.ToString() : null;
            if (b == '\n') return sb.ToString();
            sb.Append((char)b);
        }
    }

    /// <summary>Reads until "started" (returns) or an error (throws with the container's exit code).</summary>
    public void ExpectStarted()
    {
        if (AlreadyRunning) return;
        while (ReadLine() is { } line)
        {
            if (line.StartsWith("started", StringComparison.Ordinal)) return;
            if (line.StartsWith("error ", StringComparison.Ordinal))
            {
                var rest = line[6..];
                var sp = rest.IndexOf(' ');
                throw new ContainerStartException(rest[(sp + 1)..], int.Parse(rest[..sp]));
            }
        }
        throw new ContainerStartException("container monitor exited before the container started (see monitor.log in the container directory)", 125);
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
        if (Pid <= 0) return;
        // the monitor is our child until we exit: do not leave a zombie if it is already gone
        Reaper.TryReap(Pid, out _);
    }
}

public sealed partial class ContainerEngine
{
    /// <summary>The path of the quai executable the monitor runs from (set by the CLI).</summary>
    public static string MonitorExecutable { get; set; } = "/proc/self/exe";

    /// <summary>`start`: spawns the container's monitor (detached, its own session). With
    /// <paramref name="waitForAttach"/> the monitor creates the container, reports "created" and
    /// starts it only once a client is attached, so no output is lost.</summary>
    public unsafe MonitorHandle Start(string idOrName, bool waitForAttach)
    {
        var id = Store.Resolve(idOrName);
        Refresh(Store.Load(id)); // a container whose monitor died is marked exited first (Refresh takes the lock)
        int[] sync = ProcessSpawner.Pipe();
        int devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
        int log = -1;
        try
        {
            log = Libc.Open(Path.Combine(Store.Dir(id), "monitor.log"), O.WRONLY | O.CREAT | O.APPEND | O.CLOEXEC, 0x180);
            if (log < 0) throw ErrnoException.FromLast($"open {Path.Combine(Store.Dir(id), "monitor.log")}");
            var env = Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Where(k => k is "PATH" or "QUAI_ROOT" or "QUAI_SNAPSHOTTER" or "QUAI_TIMING" or "QUAI_FAULT" || k.StartsWith("DOTNET_", StringComparison.Ordinal))
                .Select(k => k + "=" + Environment.GetEnvironmentVariable(k)).ToList();
            // A small monitor: conserve memory, no server GC, a small gen0 budget.
            if (Environment.GetEnvironmentVariable("QUAI_MONITOR_DEFAULT_GC") != "1")
            {
                env.Add("DOTNET_GCgen0size=0x80000");
                env.Add("DOTNET_GCConserveMemory=9");
                env.Add("DOTNET_GCHeapHardLimit=0x4000000");
            }
            // One monitor per run: the check, the spawn and the record of who the monitor is happen
            // under one hold of the lock, so a concurrent start (or system restore) sees the new
            // monitor and does nothing. A monitor that does not find itself in the record exits
            // without touching anything (ContainerMonitor.Claim).
            using (Store.Lock(id))
            {
                var c = Store.Load(id);
                if (IsActive(c.State) && c.State.Status != "paused" || MonitorAlive(c))
                    return new MonitorHandle(-1, 0) { };
                if (c.State.Status == "paused") throw new ConflictException($"cannot start a paused container, try unpause instead");
                if (c.State.Status == "removing") throw new ConflictException($"container is marked for removal and cannot be started");
                var pid = ProcessSpawner.Spawn(MonitorExecutable, ["quai", "container-monitor", Root, id, waitForAttach ? "attach" : "detach"],
                    env, [(devnull, 0), (sync[1], 1), (log, 2)]);
                Libc.Close(sync[1]);
                sync[1] = -1;
                var handle = new MonitorHandle(sync[0], pid);
                c.Quai.StopRequested = false;
                c.Quai.MonitorPid = pid;
                c.Quai.MonitorStartTime = ProcStat.Read(pid)?.StartTime ?? 0;
                FaultPoint.Hit("engine.start.spawned");
                Store.Save(c);
                FaultPoint.Hit("engine.start.recorded");
                return handle;
            }
        }
        catch
        {
            Libc.Close(sync[0]);
            throw;
        }
        finally
        {
            if (sync[1] >= 0) Libc.Close(sync[1]);
            if (devnull >= 0) Libc.Close(devnull);
            if (log >= 0) Libc.Close(log);
        }
    }

    public string AttachSocketPath(string id) => Path.Combine(Store.Dir(id), "attach.sock");

    /// <summary>`stop`: the stop signal, then SIGKILL after the timeout; the restart policy does not
    /// bring it back.</summary>
    public void Stop(string idOrName, int? timeoutSeconds = null, string? signal = null)
    {
        var id = Store.Resolve(idOrName);
        Container c;
        // On a full disk the record cannot change; the container must stop all the same.
        try { c = Store.Update(id, x => x.Quai.StopRequested = true); }
        catch (IOException) when (Store.TryLoad(id) is { } current) { c = current; }
        c = Refresh(c);
        if (!IsActive(c.State)) return;
        var sig = Sig.TERM;
        var sigText = signal ?? c.Config.StopSignal;
        if (sigText is { Length: > 0 } && !Sig.TryParse(sigText, out sig)) throw new EngineUsageException($"Invalid signal: {sigText}");
        var timeout = timeoutSeconds ?? c.Config.StopTimeout ?? 10;
        if (c.State.Status == "restarting") { WaitStopped(id, TimeSpan.FromSeconds(5)); return; }
        try
        {
            EmitContainer(c, "kill", ("signal", ((int)sig).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Runtime.Kill(id, sig, false);
            if (c.State.Status == "paused") Runtime.Resume(id);
        }
        catch (RuntimeException) { }
        if (timeout < 0) { WaitStopped(id, Timeout.InfiniteTimeSpan); EmitContainer(c, "stop"); return; }
        if (WaitStopped(id, TimeSpan.FromSeconds(timeout))) { EmitContainer(c, "stop"); return; }
        EmitContainer(c, "kill", ("signal", "9"));
        try { Runtime.Kill(id, Sig.KILL, true); } catch (RuntimeException) { }
        WaitStopped(id, TimeSpan.FromSeconds(30));
        EmitContainer(c, "stop");
    }

    private bool WaitStopped(string id, TimeSpan timeout)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var c = Store.TryLoad(id);
            if (c is null) return true;
            c = Refresh(c);
            if (!IsActive(c.State)) return true;
            if (Environment.TickCount64 > deadline) return false;
            Thread.Sleep(10);
        }
    }

    public void Kill(string idOrName, string? signal = null)
    {
        var id = Store.Resolve(idOrName);
        var sig = Sig.KILL;
        if (signal is { Length: > 0 } && !Sig.TryParse(signal, out sig)) throw new EngineUsageException($"Invalid signal: {signal}");
        var c = Refresh(Store.Load(id));
        if (c.State.Status is not ("running" or "paused"))
            throw new ConflictException($"cannot kill container: {idOrName}: container {id} is not running");
        if (sig == Sig.KILL) Store.Update(id, x => x.Quai.StopRequested = true);
        EmitContainer(c, "kill", ("signal", ((int)sig).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        try { Runtime.Kill(id, sig, sig == Sig.KILL); }
        catch (RuntimeException e) { throw new ConflictException($"cannot kill container: {idOrName}: {e.Message}"); }
        if (sig == Sig.KILL) WaitStopped(id, TimeSpan.FromSeconds(10));
    }

    public void Pause(string idOrName)
    {
        var id = Store.Resolve(idOrName);
        var c = Refresh(Store.Load(id));
        if (c.State.Status != "running") throw new ConflictException(c.State.Status == "paused" ? $"container {id} is already paused" : $"container {id} is not running");
        Runtime.Pause(id);
        Store.Update(id, x => { x.State.Status = "paused"; x.State.Paused = true; });
        EmitContainer(c, "pause");
    }

    public void Unpause(string idOrName)
    {
        var id = Store.Resolve(idOrName);
        var c = Refresh(Store.Load(id));
        if (c.State.Status != "paused") throw new ConflictException($"container {id} is not paused");
        Runtime.Resume(id);
        Store.Update(id, x => { if (x.State.Status == "paused") x.State.Status = "running"; x.State.Paused = false; });
        EmitContainer(c, "unpause");
    }

    public void Rename(string idOrName, string newName)
    {
        var id = Store.Resolve(idOrName);
        newName = newName.TrimStart('/');
        var c = Store.Load(id);
        if (c.PlainName == newName) throw new ConflictException($"Renaming a container with the same name as its current name");
        Store.ReserveName(newName, id);
        var old = c.Name;
        Store.Update(id, x => x.Name = "/" + newName);
        Store.ReleaseName(old, id);
        EmitContainer(id, "rename", ("oldName", old));
    }

    /// <summary>`rm`: refuses a running container unless forced (then kills it first); unmounts and
    /// releases the rootfs; with <paramref name="volumes"/> removes its anonymous volumes. The state
    /// is checked again under the container's lock, so a container started meanwhile is not removed.</summary>
    public void Remove(string idOrName, bool force, bool volumes)
    {
        var id = Store.Resolve(idOrName);
        for (var attempt = 0; ; attempt++)
        {
            var c = Refresh(Store.Load(id));
            if (Running(c))
            {
                if (!force)
                    throw new ConflictException($"cannot remove container \"{c.Name}\": container is {(c.State.Status == "paused" ? "paused" : "running")}: stop the container before removing or force remove");
                try { Store.Update(id, x => { x.Quai.StopRequested = true; x.HostConfig.AutoRemove = false; }); }
                catch (IOException) when (Store.TryLoad(id) is not null) { } // a full disk: kill all the same
                try { Runtime.Kill(id, Sig.KILL, true); } catch (RuntimeException) { }
                try { if (c.State.Status == "paused") Runtime.Resume(id); } catch (RuntimeException) { }
                WaitStopped(id, TimeSpan.FromSeconds(10));
                var deadline = Environment.TickCount64 + 5000;
                while (MonitorAlive(Store.Load(id)) && Environment.TickCount64 < deadline) Thread.Sleep(10);
            }
            try { RemoveStopped(c, volumes); return; }
            catch (ContainerBusyException) when (force && attempt < 5) { } // started again meanwhile: once more
            catch (ContainerBusyException e) { throw new ConflictException($"cannot remove container \"{c.Name}\": {e.Message}"); }
        }
    }

    /// <summary>Running as far as rm is concerned (after <see cref="Refresh"/>): active, or with a
    /// monitor that is still starting or finishing it.</summary>
    private bool Running(Container c) => IsActive(c.State) || MonitorAlive(c);

    /// <summary>Removes a container that is not running: runtime state, mounts, rootfs, record, name.
    /// Throws <see cref="ContainerBusyException"/> when, under the lock, it turns out to be running.</summary>
    public void RemoveStopped(Container c, bool volumes)
    {
        using (var held = Store.Lock(c.Id))
        {
            c = Store.Load(c.Id);
            if (MonitorAlive(c) && !IsSelfMonitor(c)) throw new ContainerBusyException("container is running");
            try { Runtime.Delete(c.Id, force: true); } catch (Exception) { }
            DetachNetworks(c.Id);
            UnmountRootfs(c.Id);
            if (Quai.Images.Snapshots.MountHelper.IsMountPoint(RootfsDir(c.Id)))
                throw new IOException($"unmount {RootfsDir(c.Id)}: still mounted");
            FaultPoint.Hit("engine.rm.released");
            var id = c.Id;
            Store.Remove(c, held, afterCommit: () =>
            {
                try { Images.ReleaseRootfs(id); return true; }
                catch (Quai.Images.Snapshots.SnapshotNotFoundException) { return true; }
                catch (Exception e) when (e is IOException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
                {
                    Console.Error.WriteLine($"Warning: release the root file system of {id}: {e.Message} (the next command retries)");
                    return false;
                }
            });
        }
        EmitContainer(c, "destroy");
        SweepTrash();
        if (volumes)
            foreach (var m in c.Mounts.Where(m => m.Anonymous && m.Name is not null))
                try { Volumes.Remove(m.Name!, VolumeUsers(m.Name!)); } catch (Exception) { }
    }

    /// <summary>The monitor removing its own container (--rm) is alive, and that is fine.</summary>
    private static bool IsSelfMonitor(Container c) => c.Quai.MonitorPid == Environment.ProcessId;

    /// <summary>Finishes removals that were killed after their commit (their rootfs snapshots and files).</summary>
    public void SweepTrash()
    {
        if (!Store.Trash().Any()) return;
        Store.SweepTrash(id => { try { Images.ReleaseRootfs(id); } catch (Quai.Images.Snapshots.SnapshotNotFoundException) { } });
    }

    public List<string> VolumeUsers(string name) =>
        Store.All().Where(c => c.Mounts.Any(m => m.Type == "volume" && m.Name == name)).Select(c => c.Id).ToList();

    /// <summary>`container prune`: removes every stopped container; returns their ids.</summary>
    public List<string> Prune() => Prune(_ => true, out _);

    /// <summary>`container prune --filter`: removes the stopped containers <paramref name="match"/> selects; returns
    /// their ids and the bytes their writable layers held.</summary>
    public List<string> Prune(Func<Container, bool> match, out long reclaimed)
    {
        var removed = new List<string>();
        reclaimed = 0;
        foreach (var c in List())
        {
            if (IsActive(c.State) || MonitorAlive(c) || !match(c)) continue;
            long size = 0;
            try { size = Files.ContainerChanges.WritableSize(c); } catch (Exception) { }
            try { RemoveStopped(c, false); removed.Add(c.Id); reclaimed += size; } catch (Exception) { }
        }
        return removed;
    }

    /// <summary>`system restore`: after a reboot (or monitors killed), shows every orphan as exited and
    /// starts again the containers whose policy is always, or unless-stopped and not stopped by the user.</summary>
    public List<string> Restore()
    {
        var started = new List<string>();
        foreach (var c in List())
        {
            if (IsActive(c.State) || MonitorAlive(c)) continue;
            var p = c.HostConfig.RestartPolicy.Name;
            if (p == "always" || (p == "unless-stopped" && !c.Quai.StopRequested))
            {
                using var h = Start(c.Id, false);
                try { h.ExpectStarted(); started.Add(c.Id); }
                catch (ContainerStartException) { }
            }
        }
        return started;
    }
}
