using System.Runtime.InteropServices;
using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;
using Quai.Runtime.Hooks;
using Quai.Runtime.Launch;
using Quai.Runtime.Namespaces;
using Quai.Runtime.Process;
using Quai.Runtime.Seccomp;
using Quai.Runtime.Terminal;
using Quai.Runtime.Validation;

namespace Quai.Runtime.Containers;

/// <summary>The OCI runtime operations (create, start, kill, delete, exec, …) on containers kept in
/// one state directory. The CLI verbs of `quai-runtime` are thin wrappers around this class, and
/// so is anything else in Quai that runs containers.</summary>
public sealed partial class ContainerRuntime(string root, Action<string>? warn = null)
{
    public ContainerStore Store { get; } = new(root);
    public bool Rootless { get; } = Libc.GetEuid() != 0;
    private readonly Action<string> _warn = warn ?? (_ => { });

    public sealed class CreateOptions
    {
        public string Bundle { get; init; } = ".";
        public string? ConsoleSocket { get; init; }
        public string? PidFile { get; init; }
        public bool NoPivot { get; init; }
        public int PreserveFds { get; init; }
        /// <summary>An already connected console socket (used by `run` to receive the pty itself).</summary>
        public int ConsoleSocketFd { get; init; } = -1;
        /// <summary>The init's stdin, stdout and stderr (default: this process's own).</summary>
        public StdioFds Stdio { get; init; } = StdioFds.Inherit;
        /// <summary>The bundle's config when the caller has already read it (else read here).</summary>
        public Spec? Spec { get; init; }
    }

    public static Spec LoadSpec(string bundle)
    {
        var path = Path.Combine(bundle, "config.json");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new RuntimeException($"JSON specification file {path} not found"); }
        catch (DirectoryNotFoundException) { throw new RuntimeException($"bundle {bundle} does not exist"); }
        try
        {
            return JsonSerializer.Deserialize(bytes, RuntimeJsonContext.Default.Spec)
                   ?? throw new RuntimeException($"{path}: empty configuration");
        }
        catch (JsonException e) { throw new RuntimeException($"parse {path}: {DescribeJsonError(e)}"); }
    }

    /// <summary>What is wrong with a JSON document, and where. The exception's own text is a bare
    /// resource key in this trimmed build (UseSystemResourceKeys).</summary>
    public static string DescribeJsonError(JsonException e)
    {
        var what = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "malformed JSON" : $"malformed JSON or a value of the wrong type at {e.Path}";
        return e.LineNumber is { } line ? $"{what} (line {line + 1}, byte {e.BytePositionInLine + 1})" : what;
    }

    /// <summary>`create`: sets the container up and leaves its init waiting for `start`.</summary>
    public ContainerRecord Create(string id, CreateOptions options)
    {
        ContainerStore.ValidateId(id);
        var bundle = Path.GetFullPath(options.Bundle);
        var spec = options.Spec ?? LoadSpec(bundle);
        SpecValidator.Validate(spec, Rootless, warn: _warn);
        var rootfs = Path.GetFullPath(Path.Combine(bundle, spec.Root!.Path));
        if (!Directory.Exists(rootfs)) throw new RuntimeException($"rootfs ({rootfs}) does not exist");
        if (spec.Process!.Terminal && options.ConsoleSocket is null && options.ConsoleSocketFd < 0)
            throw new RuntimeException("cannot allocate tty if runc will detach without setting console socket");
        if (!spec.Process.Terminal && options.ConsoleSocket is not null)
            throw new RuntimeException("cannot use console socket if runc will not detach or allocate tty");
        var seccomp = CompileSeccomp(spec);

        // Record before create: state.json (naming the cgroups) exists before anything it names,
        // so that whatever step a SIGKILL interrupts, `delete --force` finds and removes it all.
        var cgroups = CgroupManagerFactory.Create(spec.Linux?.CgroupsPath, id, Rootless);
        var record = new ContainerRecord
        {
            Id = id, Bundle = bundle, Rootfs = rootfs, Created = DateTime.UtcNow, Rootless = Rootless,
            Config = spec, CgroupPaths = new Dictionary<string, string>(cgroups.Paths),
            HasPidNamespace = spec.Linux?.Namespaces?.Any(n => n.Type == "pid") ?? false,
        };
        using var _ = Store.Lock(id);
        var dir = Store.CreateDir(id);
        FaultPoint.Hit("runtime.create.dir");
        int fifo = -1, console = -1, listener = -1;
        var initPid = 0;
        var createdCgroup = false;
        try
        {
            if (cgroups.Exists() && cgroups.GetPids().Count is > 0 and var n)
            {
                // runc: a cgroup that already holds processes is shared, not ours: warn, and never
                // kill or remove what is in it beyond our own init.
                _warn($"container's cgroup is not empty: {n} process(es) found; the container shares it with them");
                record.CgroupShared = true;
            }
            Store.Save(record);
            FaultPoint.Hit("runtime.create.recorded");
            var fifoPath = Store.FifoPath(id);
            var old = Libc.Umask(0);
            var rc = Libc.Mkfifo(fifoPath, 0x192 /* 0622 */);
            Libc.Umask(old);
            if (rc < 0) throw ErrnoException.FromLast($"mkfifo {fifoPath}");
            fifo = Libc.Open(fifoPath, O.PATH | O.CLOEXEC, 0);
            if (fifo < 0) throw ErrnoException.FromLast($"open {fifoPath}");

            createdCgroup = !cgroups.Exists();
            cgroups.Apply(spec.Linux?.Resources);
            // a rootless manager that found no writable cgroup has no paths any more
            record.CgroupPaths = new Dictionary<string, string>(cgroups.Paths);
            FaultPoint.Hit("runtime.create.cgroup");

            console = options.ConsoleSocketFd >= 0 ? options.ConsoleSocketFd
                : options.ConsoleSocket is { } cs ? ConsoleSocket.Connect(cs) : -1;
            if (seccomp?.UsesNotify == true) listener = ConsoleSocket.Connect(spec.Linux!.Seccomp!.ListenerPath!);
            var config = BuildInitConfig(spec, id, bundle, rootfs, options.NoPivot, options.PreserveFds, cgroups, seccomp);
            var hasParentHooks = spec.Hooks?.Prestart is { Count: > 0 } || spec.Hooks?.CreateRuntime is { Count: > 0 };
            config.ParentHooks = hasParentHooks;
            initPid = InitLauncher.Launch(new InitLauncher.Request
            {
                Config = config,
                Cgroups = cgroups,
                Join = (spec.Linux?.Namespaces ?? []).Where(n => !string.IsNullOrEmpty(n.Path)).Select(n => (n.Type, n.Path!)).ToList(),
                New = (spec.Linux?.Namespaces ?? []).Where(n => string.IsNullOrEmpty(n.Path)).Select(n => n.Type).ToList(),
                FifoFd = fifo,
                ConsoleSocketFd = console,
                Stdio = options.Stdio,
                SeccompListenerFd = listener,
                ParentHooks = hasParentHooks ? pid =>
                {
                    var state = HookState(record, pid, "created");
                    HookRunner.Run("prestart", spec.Hooks?.Prestart, state);
                    HookRunner.Run("createRuntime", spec.Hooks?.CreateRuntime, state);
                } : null,
            });
            FaultPoint.Hit("runtime.create.launched");
            record.InitPid = initPid;
            record.InitStartTime = ProcStat.Read(initPid)?.StartTime ?? 0;
            record.InitExe = ExeId(initPid);
            Store.Save(record);
            if (options.PidFile is { } pf) WritePidFile(pf, initPid);
            return record;
        }
        catch
        {
            if (initPid > 0) { Libc.Kill(initPid, Sig.KILL); Reaper.Wait(initPid); }
            if (createdCgroup && !record.CgroupShared)
                try { cgroups.Destroy(); } catch (Exception e) { _warn($"cleanup cgroup of {id}: {e.Message}"); }
            try { Store.Remove(id); } catch (IOException e) { _warn($"cleanup {dir}: {e.Message}"); }
            throw;
        }
        finally
        {
            if (fifo >= 0) Libc.Close(fifo);
            if (listener >= 0) Libc.Close(listener);
            if (console >= 0 && options.ConsoleSocketFd < 0) Libc.Close(console);
        }
    }

    private InitConfig BuildInitConfig(Spec spec, string id, string bundle, string rootfs, bool noPivot, int preserveFds,
        ICgroupManager cgroups, SeccompProgram? seccomp)
    {
        bool IsNew(string t) => spec.Linux?.Namespaces?.Any(n => n.Type == t && string.IsNullOrEmpty(n.Path)) ?? false;
        bool Has(string t) => spec.Linux?.Namespaces?.Any(n => n.Type == t) ?? false;
        var env = CgroupEnvironment.Detect();
        var config = new InitConfig
        {
            Spec = spec, ContainerId = id, Bundle = bundle, RootfsPath = rootfs, NoPivot = noPivot,
            PreserveFds = preserveFds, Rootless = Rootless, InUserNamespace = Has("user"),
            NewMountNamespace = Has("mount"), NewUtsNamespace = Has("uts"), NewCgroupNamespace = IsNew("cgroup"),
            CgroupMode = env.Mode == CgroupMode.Unified ? "v2" : "v1",
            CgroupPaths = new Dictionary<string, string>(cgroups.Paths),
            LastCap = Security.Capabilities.LastCap,
        };
        if (config.CgroupMode == "v1")
        {
            foreach (var group in env.V1MountPoints.GroupBy(kv => kv.Value))
            {
                var controllers = group.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                var hostDir = controllers.Select(c => cgroups.Paths.GetValueOrDefault(c)).FirstOrDefault(p => p != null);
                if (hostDir is null) continue;
                var options = string.Join(',', controllers.Select(c => c.StartsWith("name=", StringComparison.Ordinal) ? "none," + c : c));
                config.CgroupV1Mounts.Add(new CgroupV1Mount(Path.GetFileName(group.Key), options, hostDir));
            }
        }
        if (seccomp is not null)
        {
            config.SeccompProgram = seccomp.Instructions.Select(Pack).ToArray();
            config.SeccompFlags = seccomp.Flags;
        }
        return config;
    }

    private static ulong Pack(SockFilter f) =>
        f.Code | ((ulong)f.Jt << 16) | ((ulong)f.Jf << 24) | ((ulong)f.K << 32);

    private static SeccompProgram? CompileSeccomp(Spec spec)
    {
        if (spec.Linux?.Seccomp is not { } s) return null;
        try
        {
            var program = SeccompCompiler.Compile(s);
            if (program.UsesNotify && string.IsNullOrEmpty(s.ListenerPath))
                throw new RuntimeException("seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
            return program;
        }
        catch (RuntimeException) { throw; }
        catch (Exception e) { throw new RuntimeException($"seccomp: {e.Message}"); }
    }

    /// <summary>`start` (runc's exec.fifo protocol): opening the fifo for reading releases the init,
    /// blocked opening it for writing; the fifo is removed at once (the container is running from then
    /// on), the init's byte is read, then EOF at its execve: `start` returns once the user process runs,
    /// or fails with the init's report if it could not exec. Then the poststart hooks.</summary>
    public void Start(string id)
    {
        using var _ = Store.LockExisting(id);
        var record = Store.Load(id);
        var status = Status(record);
        if (!status.CanStart())
            throw new RuntimeException(status == ContainerStatus.Stopped
                ? "cannot start a container that has stopped" : $"cannot start an already running container");
        var fifoPath = Store.FifoPath(id);
        var fd = Libc.Open(fifoPath, O.RDONLY | O.NONBLOCK | O.CLOEXEC, 0);
        if (fd < 0) throw ErrnoException.FromLast($"open {fifoPath}");
        try
        {
            FaultPoint.Hit("runtime.start.opened");
            if (Libc.UnlinkAt(O.AT_FDCWD, fifoPath, 0) < 0) throw ErrnoException.FromLast($"remove {fifoPath}");
            FaultPoint.Hit("runtime.start.unlinked");
            var report = ReadUntilExec(fd, record);
            if (report.Count == 0) throw new RuntimeException("container process is already dead");
            if (report.Count > 2 && report[1] == 1)
            {
                var text = System.Text.Encoding.UTF8.GetString(report.ToArray(), 3, report.Count - 3);
                throw new ProcessStartException(text, report[2] is 126 or 127 ? report[2] : 125);
            }
        }
        finally { Libc.Close(fd); }
        HookRunner.Run("poststart", record.Config.Hooks?.Poststart, HookState(record, record.InitPid, "running"), _warn);
    }

    /// <summary>Reads the fifo until its writer (the init) closes it at execve or dies; checks the init
    /// is alive meanwhile (it could die before it ever opens the fifo).</summary>
    private unsafe List<byte> ReadUntilExec(int fd, ContainerRecord record)
    {
        var got = new List<byte>();
        var buf = stackalloc byte[512];
        var writerSeen = false;
        while (true)
        {
            var pfd = new Libc.PollFd { Fd = fd, Events = 1 /* POLLIN */ };
            var r = Libc.Poll(&pfd, 1, 100);
            if (r < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
            if (r < 0) throw ErrnoException.FromLast("poll exec fifo");
            if (r == 0)
            {
                // No writer yet, or one that is slow: give up only when the init is gone.
                if (Status(record) == ContainerStatus.Stopped && !writerSeen) return got;
                continue;
            }
            var n = Libc.Read(fd, buf, 512);
            if (n < 0 && Marshal.GetLastPInvokeError() is Errno.EINTR or Errno.EAGAIN) continue;
            if (n < 0) throw ErrnoException.FromLast("read exec fifo");
            if (n == 0)
            {
                // POLLHUP without data: the writer closed (execve), or there never was one yet.
                if (got.Count > 0) return got;
                if (Status(record) == ContainerStatus.Stopped) return got;
                Thread.Sleep(1);
                continue;
            }
            writerSeen = true;
            for (var i = 0; i < n; i++) got.Add(buf[i]);
        }
    }

    public ContainerStatus Status(ContainerRecord record)
    {
        if (record.InitPid <= 0) return ContainerStatus.Stopped;
        var stat = ProcStat.Read(record.InitPid);
        if (stat is null || stat.Value.State is 'Z' or 'X' || (record.InitStartTime != 0 && stat.Value.StartTime != record.InitStartTime))
            return ContainerStatus.Stopped;
        if (File.Exists(Store.FifoPath(record.Id)) && (record.InitExe.Length == 0 || ExeId(record.InitPid) == record.InitExe))
            return ContainerStatus.Created;
        try
        {
            if (record.CgroupPaths.Count > 0 && CgroupManagerFactory.Load(record.CgroupPaths).IsFrozen()) return ContainerStatus.Paused;
        }
        catch (Exception) { /* a missing freezer means not paused */ }
        return ContainerStatus.Running;
    }

    private static string ExeId(int pid) =>
        Libc.FstatAt(O.AT_FDCWD, $"/proc/{pid}/exe", out var st, 0) == 0 ? $"{st.Dev}:{st.Ino}" : "";

    public State State(string id)
    {
        var record = Store.Load(id);
        var status = Status(record);
        return new State
        {
            OciVersion = SpecVersion.Current, Id = id, Pid = status == ContainerStatus.Stopped ? 0 : record.InitPid,
            Status = status.Name(), Bundle = record.Bundle, Rootfs = record.Rootfs, Created = record.Created,
            Owner = "", Annotations = record.Config.Annotations,
        };
    }

    public IEnumerable<State> List() => Store.Ids().Select(id =>
    {
        try { return State(id); }
        catch (RuntimeException) { return null; }
    }).OfType<State>();

    public void Kill(string id, int signal, bool all)
    {
        var record = Store.Load(id);
        var status = Status(record);
        if (!status.CanKill() && !all) throw new RuntimeException("container not running");
        if (record.CgroupShared && all) _warn($"the cgroup of {id} is shared with other processes: only its init is signalled");
        if (!record.CgroupShared && (all || !record.HasPidNamespace && signal == Sig.KILL && record.CgroupPaths.Count > 0))
        {
            var cg = CgroupManagerFactory.Load(record.CgroupPaths);
            if (cg.Exists())
            {
                // The container may go away while being signalled (`run` deletes it when its init
                // dies): a cgroup that vanished under KillAll means the job is done.
                try { cg.KillAll(signal); }
                catch (Exception e) when (e is ErrnoException or CgroupException && !cg.Exists()) { }
                return;
            }
        }
        // A stopped container's init pid is 0 (recorded before its launch; Status says Stopped) or may be
        // another process's by now: kill(0) would signal the caller's own process group. Only a live init
        // is signalled (without --all a stopped one was refused above); --all with no cgroup left is done.
        if (status == ContainerStatus.Stopped) return;
        if (Libc.Kill(record.InitPid, signal) < 0)
        {
            if (Marshal.GetLastPInvokeError() == Errno.ESRCH) throw new RuntimeException("container not running");
            throw ErrnoException.FromLast($"kill {record.InitPid} {Sig.Name(signal)}");
        }
    }

    /// <summary>`delete`: removes a stopped (or, with force, any) container: processes, cgroup,
    /// state; then the poststop hooks.</summary>
    public void Delete(string id, bool force)
    {
        ContainerRecord record;
        using (Store.LockExisting(id))
        {
            try { record = Store.Load(id); }
            catch (ContainerNotFoundException) when (force)
            {
                // a directory without a record: nothing was created before the record (see Create)
                try { Store.Remove(id); } catch (IOException) { }
                return;
            }
            var status = Status(record);
            if (status is ContainerStatus.Running or ContainerStatus.Paused && !force)
                throw new RuntimeException($"cannot delete container {id} that is not stopped: {status.Name()}");
            // Only a cgroup that is the container's own is emptied and removed.
            var cg = record.CgroupPaths.Count > 0 && !record.CgroupShared ? CgroupManagerFactory.Load(record.CgroupPaths) : null;
            if (status != ContainerStatus.Stopped)
            {
                if (status == ContainerStatus.Paused) CgroupManagerFactory.Load(record.CgroupPaths).Thaw();
                KillAndWait(record, cg);
            }
            else if (cg is not null && cg.Exists())
                // processes left behind by an init without a pid namespace, or by a create killed
                // after its init joined the cgroup but before the record named the init
                cg.KillAll(Sig.KILL);
            FaultPoint.Hit("runtime.delete.killed");
            cg?.Destroy();
            FaultPoint.Hit("runtime.delete.cgroup");
            Store.Remove(id);
        }
        HookRunner.Run("poststop", record.Config.Hooks?.Poststop, HookState(record, 0, "stopped"), _warn);
    }

    private void KillAndWait(ContainerRecord record, ICgroupManager? cg)
    {
        if (cg is not null && cg.Exists()) cg.KillAll(Sig.KILL);
        else Libc.Kill(record.InitPid, Sig.KILL);
        // Reap it when it is our child (run); otherwise wait until it is gone or a zombie.
        Reaper.TryReap(record.InitPid, out _);
        for (var i = 0; i < 500 && Status(record) != ContainerStatus.Stopped; i++)
        {
            Thread.Sleep(2);
            Reaper.TryReap(record.InitPid, out _);
        }
    }

    public void Pause(string id)
    {
        var record = Store.Load(id);
        var status = Status(record);
        if (!status.CanPause()) throw new RuntimeException($"container not running or created: {status.Name()}");
        if (record.CgroupPaths.Count == 0) throw new RuntimeException("cannot pause a container without cgroups (rootless)");
        CgroupManagerFactory.Load(record.CgroupPaths).Freeze();
    }

    public void Resume(string id)
    {
        var record = Store.Load(id);
        var status = Status(record);
        if (!status.CanResume()) throw new RuntimeException("container not paused");
        CgroupManagerFactory.Load(record.CgroupPaths).Thaw();
    }

    public IReadOnlyList<int> Pids(string id)
    {
        var record = Store.Load(id);
        if (record.CgroupPaths.Count == 0) return Status(record) == ContainerStatus.Stopped ? [] : [record.InitPid];
        var cg = CgroupManagerFactory.Load(record.CgroupPaths);
        return cg.Exists() ? cg.GetPids() : [];
    }

    public void Update(string id, Resources resources)
    {
        using var _ = Store.LockExisting(id);
        var record = Store.Load(id);
        if (Status(record) == ContainerStatus.Stopped) throw new RuntimeException($"container {id} is stopped");
        if (record.CgroupPaths.Count == 0) throw new RuntimeException("cannot update a container without cgroups (rootless)");
        CgroupManagerFactory.Load(record.CgroupPaths).Update(resources);
        record.Config.Linux ??= new Linux();
        record.Config.Linux.Resources = MergeResources(record.Config.Linux.Resources, resources);
        Store.Save(record);
    }

    private static Resources MergeResources(Resources? old, Resources update) => new()
    {
        Devices = update.Devices ?? old?.Devices, Memory = update.Memory ?? old?.Memory, Cpu = update.Cpu ?? old?.Cpu,
        Pids = update.Pids ?? old?.Pids, BlockIO = update.BlockIO ?? old?.BlockIO,
        HugepageLimits = update.HugepageLimits ?? old?.HugepageLimits, Network = update.Network ?? old?.Network,
        Rdma = update.Rdma ?? old?.Rdma, Unified = update.Unified ?? old?.Unified,
    };

    public CgroupStats Stats(string id, out ulong oomKills)
    {
        var record = Store.Load(id);
        var cg = CgroupManagerFactory.Load(record.CgroupPaths);
        oomKills = cg.OomKillCount();
        return cg.GetStats();
    }

    public static State HookState(ContainerRecord r, int pid, string status) => new()
    {
        Id = r.Id, Pid = pid, Status = status, Bundle = r.Bundle, Annotations = r.Config.Annotations,
    };

    public static void WritePidFile(string path, int pid)
    {
        var full = Path.GetFullPath(path);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full));
        try
        {
            File.WriteAllText(tmp, pid.ToString());
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the exception's text is a bare resource key in this trimmed build
            var why = e switch
            {
                DirectoryNotFoundException => "no such directory", FileNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied", _ => e.GetType().Name,
            };
            throw new RuntimeException($"write pid file {full}: {why}");
        }
    }
}
