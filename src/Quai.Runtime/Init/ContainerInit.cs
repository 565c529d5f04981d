using Quai.Fs;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Hooks;
using Quai.Runtime.Launch;
using Quai.Runtime.Process;
using Quai.Runtime.Rootfs;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.Init;

/// <summary>The container's init, in C#, once native/nsexec.c has put the process inside its
/// namespaces: builds the rootfs, reports ready, waits for `start`, then hands over to the
/// native final exec. For `exec`, the same without the rootfs and the wait.</summary>
public static unsafe class ContainerInit
{
    public const string InitFdVariable = "_QUAI_INIT_FD";
    private const long ProcSuperMagic = 0x9fa0;

    public static int Run(int fd)
    {
        var channel = new InitChannel(fd);
        InitConfig config;
        try
        {
            var msg = channel.Receive() ?? throw new EndOfStreamException("init socket closed before the config arrived");
            config = JsonSerializer.Deserialize(msg.Payload, LaunchJsonContext.Default.InitConfig)
                     ?? throw new InvalidDataException("empty init config");
        }
        catch (Exception e)
        {
            TrySendError(channel, e);
            return 1;
        }
        try
        {
            return config.IsExec ? RunExec(channel, config) : RunContainer(channel, config);
        }
        catch (Exception e)
        {
            TrySendError(channel, e);
            return 1;
        }
    }

    private static void TrySendError(InitChannel channel, Exception e)
    {
        if (_startFd >= 0) { ReportToStart(e.Message, e is ExecutableNotFoundException nf ? nf.ExitCode : 1); return; }
        var code = e is ExecutableNotFoundException x ? x.ExitCode : 0;
        try { channel.SendError(e.Message, code); }
        catch (IOException) { Console.Error.WriteLine($"quai-runtime init: {e.Message}"); }
    }

    /// <summary>The write end of exec.fifo once `start` opened it (close-on-exec: `start` sees EOF at
    /// execve); -1 before. A failure after that point is written into it for `start` to report.</summary>
    private static int _startFd = -1;

    /// <summary>After the "0" that releases `start`: 0x01, the exit code as one byte, the message.</summary>
    private static void ReportToStart(string message, int exitCode)
    {
        var bytes = new byte[] { 1, (byte)exitCode }.Concat(Encoding.UTF8.GetBytes(message)).ToArray();
        fixed (byte* b = bytes) Libc.Write(_startFd, b, bytes.Length);
        Console.Error.WriteLine($"quai-runtime init: {message}");
    }

    private static int RunContainer(InitChannel channel, InitConfig config)
    {
        var spec = config.Spec;
        var process = spec.Process ?? throw new InvalidDataException("config has no process");
        // The parent moved this process into the container's cgroup before sending the config:
        // a new cgroup namespace created now is rooted there (allowed with threads, unlike
        // mount and user namespaces, which native/nsexec.c created).
        if (config.NewCgroupNamespace && Libc.Syscall(272 /* unshare */, Clone.NEWCGROUP, 0, 0, 0, 0) < 0)
            throw ErrnoException.FromLast("unshare cgroup namespace");
        Libc.Setsid();
        var rootfs = new RootfsSetup(config);
        if (config.NewMountNamespace)
        {
            rootfs.Prepare();
            // A missing process.cwd is created (runc, Docker), owned by root, before / may become read-only.
            try { rootfs.MkdirAll(process.Cwd); }
            catch (IOException e) { throw new IOException($"create cwd (\"{process.Cwd}\") set in config.json: {e.Message}", e); }
        }

        if (config.ParentHooks)
        {
            channel.Send(InitChannel.HooksRequest, 0);
            var reply = channel.Receive();
            if (reply is null || reply.Value.Type != InitChannel.HooksDone)
                return 1; // the parent reports the hook failure itself
        }
        HookRunner.Run("createContainer", spec.Hooks?.CreateContainer, HookState(config, "created"));

        var slave = -1;
        if (process.Terminal)
        {
            var ptmx = config.NewMountNamespace
                ? OpenInRootfs(config.RootfsPath, "dev/ptmx", O.RDWR | O.NOCTTY)
                : Libc.Open(Path.Combine(config.RootfsPath, "dev/ptmx"), O.RDWR | O.NOCTTY | O.CLOEXEC, 0);
            if (ptmx < 0) throw ErrnoException.FromLast("open /dev/ptmx in the container");
            var (master, s, name) = Pty.Open(ptmx);
            slave = s;
            if (process.ConsoleSize is { } size) Pty.SetSize(master, size.Height, size.Width);
            if (config.NewMountNamespace) rootfs.BindConsole(config.RootfsPath + name);
            SendConsole(config, master, name);
        }
        if (config.NewMountNamespace) rootfs.EnterRoot(config.NoPivot);
        else rootfs.ChrootOnly();

        if (config.NewUtsNamespace)
        {
            SetName(spec.Hostname, Libc.SetHostname, "sethostname");
            SetName(spec.Domainname, Libc.SetDomainname, "setdomainname");
        }
        else if (!string.IsNullOrEmpty(spec.Hostname))
            throw new InvalidDataException("unable to set hostname without a private UTS namespace");
        // runc's order: sysctls are written before /proc/sys becomes read-only.
        WriteSysctls(spec.Linux?.Sysctl);
        if (config.NewMountNamespace) rootfs.MaskAndProtect();
        ApplyProcessAttributes(process);
        if (slave >= 0) AttachTerminal(slave);
        var path = PrepareExec(process);
        CheckCapabilities(process);
        ExitOnStopSignals();

        // Everything is prepared before READY, so that once `start` releases the fifo only the
        // startContainer hooks and the native final exec remain (start-to-exec latency).
        return Exec(config, process, path, () =>
        {
            channel.Send(InitChannel.Ready, 0);
            WaitForStart(config.FifoFd);
            HookRunner.Run("startContainer", spec.Hooks?.StartContainer, HookState(config, "running"));
        }, (message, code) => ReportToStart(message, code));
    }

    private static int RunExec(InitChannel channel, InitConfig config)
    {
        var process = config.Spec.Process ?? throw new InvalidDataException("exec: no process");
        var slave = -1;
        if (process.Terminal)
        {
            Libc.Setsid();
            var ptmx = Libc.Open("/dev/ptmx", O.RDWR | O.NOCTTY | O.CLOEXEC, 0);
            if (ptmx < 0) throw ErrnoException.FromLast("open /dev/ptmx in the container");
            var (master, s, name) = Pty.Open(ptmx);
            slave = s;
            if (process.ConsoleSize is { } size) Pty.SetSize(master, size.Height, size.Width);
            SendConsole(config, master, name);
        }
        ApplyProcessAttributes(process);
        if (slave >= 0) AttachTerminal(slave);
        var path = PrepareExec(process);
        CheckCapabilities(process);
        return Exec(config, process, path, () => channel.Send(InitChannel.Ready, 0),
            (message, code) => { try { channel.SendError(message, code); } catch (IOException) { } });
    }

    private static void SendConsole(InitConfig config, int master, string name)
    {
        if (config.ConsoleSocketFd < 0) throw new InvalidOperationException("terminal requested without a console socket");
        ConsoleSocket.SendFd(config.ConsoleSocketFd, master, name);
        Libc.Close(master);
        Libc.Close(config.ConsoleSocketFd);
    }

    private static int OpenInRootfs(string rootfs, string path, int flags)
    {
        using var root = new InRoot(rootfs);
        var fd = root.TryOpen(path, flags);
        if (fd < 0) throw new ErrnoException($"open {path} in rootfs {rootfs}", -fd);
        return fd;
    }

    private static void AttachTerminal(int slave)
    {
        Pty.MakeControlling(slave);
        for (var i = 0; i < 3; i++)
            if (Libc.Dup2(slave, i) < 0) throw ErrnoException.FromLast($"dup2 terminal onto fd {i}");
        if (slave > 2) Libc.Close(slave);
    }

    private static void ApplyProcessAttributes(Oci.Runtime.Process process)
    {
        Rlimits.Apply(process.Rlimits);
        ProcessAttributes.ApplyScheduler(process.Scheduler);
        ProcessAttributes.ApplyIoPriority(process.IoPriority);
    }

    /// <summary>cwd and the program path, resolved inside the container. A cwd that is not
    /// reachable from the root (a leaked host fd, CVE-2024-21626) is refused.</summary>
    private static string PrepareExec(Oci.Runtime.Process process)
    {
        var cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        if (Libc.Chdir(cwd) < 0)
        {
            var e = Marshal.GetLastPInvokeError();
            throw new ErrnoException($"chdir to cwd (\"{cwd}\") set in config.json", e);
        }
        // getcwd fails (ENOENT) or answers "(unreachable)/…" for a directory outside the root.
        string actual;
        try { actual = Directory.GetCurrentDirectory(); }
        catch (IOException) { actual = "(unreachable)"; }
        if (!actual.StartsWith('/'))
            throw new IOException($"cwd (\"{cwd}\") set in config.json is outside of the container's root");
        if (process.Args is not { Count: > 0 }) throw new InvalidDataException("process.args must not be empty");
        return PathLookup.Resolve(process.Args[0], process.Env);
    }

    /// <summary>runc's exec.fifo protocol: the fifo, passed as an O_PATH fd, is opened for writing
    /// through /proc/self/fd, which blocks until `start` opens it for reading; then one byte tells
    /// `start` the process is released. The write end stays open, close-on-exec, so `start` reads
    /// EOF at execve (or an error report if the exec fails).</summary>
    private static void WaitForStart(int fifoPathFd)
    {
        var path = $"/proc/self/fd/{fifoPathFd}";
        int fd;
        while ((fd = Libc.Open(path, O.WRONLY | O.CLOEXEC, 0)) < 0)
            if (Marshal.GetLastPInvokeError() != Errno.EINTR) throw ErrnoException.FromLast($"open exec fifo {path}");
        Libc.Close(fifoPathFd);
        byte zero = (byte)'0';
        while (Libc.Write(fd, &zero, 1) < 0)
        {
            // EPIPE: the `start` that opened the fifo is gone; nobody released us.
            if (Marshal.GetLastPInvokeError() != Errno.EINTR) Libc.Exit(1);
        }
        _startFd = fd;
    }

    /// <summary>A created container's init is pid 1 of its namespace: the kernel drops signals it
    /// has no handler for. runc's init (Go) exits on TERM, INT, HUP and QUIT: so does this one
    /// (native handlers: no runtime signal thread to start).</summary>
    private static void ExitOnStopSignals()
    {
        if (Native.ExitOnStopSignals() is < 0 and var rc) throw new ErrnoException("install stop signal handlers", -rc);
    }

    /// <summary>capset can only keep what this process has: asking for a capability the host's
    /// bounding set lacks fails `create` now, as in runc and crun, rather than the exec after `start`.</summary>
    private static void CheckCapabilities(Oci.Runtime.Process process)
    {
        var caps = process.Capabilities;
        if (caps is null) return;
        var have = Security.Capabilities.Current();
        var wanted = Security.Capabilities.Mask(caps.Permitted) | Security.Capabilities.Mask(caps.Effective)
                     | Security.Capabilities.Mask(caps.Inheritable) | Security.Capabilities.Mask(caps.Ambient);
        var missing = wanted & ~have;
        if (missing != 0)
            throw new IOException($"unable to apply caps: {string.Join(", ", Security.Capabilities.NamesOf(missing))}: operation not permitted (not in this host's capability set)");
    }

    /// <summary>Prepares the final exec, runs <paramref name="beforeExec"/> (report ready, wait for
    /// start), then hands over to the native final exec; returns only if that failed.</summary>
    private static int Exec(InitConfig config, Oci.Runtime.Process process, string path, Action beforeExec, Action<string, int> onFailure)
    {
        var env = new List<string>(process.Env ?? []);
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
            env.Add("HOME=" + HomeOf(process.User.Uid));
        if (process.User.Umask is { } umask) Libc.Umask(umask);
        else Libc.Umask(0x12); // 0022, as runc

        using var argv = new CStringArray(process.Args!);
        using var envp = new CStringArray(env);
        var caps = process.Capabilities;
        var groups = process.User.AdditionalGids?.ToArray() ?? [];
        var filter = config.SeccompProgram;
        var failed = 0;
        var listenerMsg = config.SeccompListenerFd < 0 ? [] : JsonSerializer.SerializeToUtf8Bytes(new ContainerProcessState
        {
            Pid = config.HostPid, Metadata = config.Spec.Linux?.Seccomp?.ListenerMetadata,
            State = HookState(config, config.IsExec ? "running" : "creating"),
        }, RuntimeJsonContext.Default.ContainerProcessState);
        fixed (uint* g = groups)
        fixed (ulong* f = filter)
        fixed (byte* lm = listenerMsg)
        {
            var p = new Native.ExecParams
            {
                Path = argv.Alloc(path), Argv = argv.Pointer, Envp = envp.Pointer,
                SetUser = 1, Uid = process.User.Uid, Gid = process.User.Gid,
                NGroups = config.Rootless && groups.Length == 0 ? -1 : groups.Length, Groups = g,
                SetCaps = 1, // no capabilities section: no capabilities (runc, crun)
                Bounding = Security.Capabilities.Mask(caps?.Bounding), Effective = Security.Capabilities.Mask(caps?.Effective),
                Permitted = Security.Capabilities.Mask(caps?.Permitted), Inheritable = Security.Capabilities.Mask(caps?.Inheritable),
                Ambient = Security.Capabilities.Mask(caps?.Ambient),
                NoNewPrivs = process.NoNewPrivileges ? 1 : 0,
                Filter = filter is null ? null : f, FilterLen = (uint)(filter?.Length ?? 0), SeccompFlags = config.SeccompFlags,
                FirstCloexecFd = 3 + config.PreserveFds, ListenerSock = config.SeccompListenerFd,
                ListenerMsg = lm, ListenerMsgLen = (uint)listenerMsg.Length,
                LastCap = config.LastCap, FailedStep = &failed,
            };
            beforeExec();
            var rc = Native.ExecFinal(&p);
            var errno = -rc;
            var step = failed < Native.ExecSteps.Length ? Native.ExecSteps[failed] : "exec";
            var message = failed == Native.ExecSteps.Length - 1
                ? $"exec {path}: {Errno.Describe(errno).ToLowerInvariant()}"
                : $"{step}: {Errno.Describe(errno).ToLowerInvariant()}";
            var code = failed == Native.ExecSteps.Length - 1 ? errno is Errno.ENOENT ? 127 : errno is Errno.EACCES or Errno.ENOEXEC or Errno.EPERM ? 126 : 1 : 1;
            onFailure(message, code);
            Console.Error.WriteLine($"quai-runtime: {message}");
            return code;
        }
    }

    private static string HomeOf(uint uid)
    {
        try
        {
            using var root = new InRoot("/");
            var text = root.TryReadFile("/etc/passwd", 4 << 20);
            foreach (var line in Encoding.UTF8.GetString(text ?? []).Split('\n'))
            {
                var f = line.Split(':');
                if (f.Length >= 6 && uint.TryParse(f[2], out var u) && u == uid) return f[5];
            }
        }
        catch (IOException) { }
        return "/";
    }

    private delegate int NameSetter(byte* name, nint len);

    private static void SetName(string? name, NameSetter setter, string op)
    {
        if (string.IsNullOrEmpty(name)) return;
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
            if (setter(p, bytes.Length) < 0) throw ErrnoException.FromLast($"{op} {name}");
    }

    /// <summary>Writes linux.sysctl through the container's /proc/sys, checking that what is
    /// written to really is procfs (a container-controlled mount could stand in its way).</summary>
    private static void WriteSysctls(Dictionary<string, string>? sysctls)
    {
        if (sysctls is null || sysctls.Count == 0) return;
        foreach (var (key, value) in sysctls)
        {
            var rel = "/proc/sys/" + key.Replace('.', '/');
            var fd = Libc.Open(rel, O.WRONLY | O.NOFOLLOW | O.CLOEXEC | O.TRUNC, 0);
            if (fd < 0) throw ErrnoException.FromLast($"write sysctl {key}: open {rel}");
            try
            {
                if (Libc.Fstatfs(fd, out var fs) < 0 || fs.Type != ProcSuperMagic)
                    throw new IOException($"write sysctl {key}: {rel} is not on procfs");
                var bytes = Encoding.UTF8.GetBytes(value);
                fixed (byte* p = bytes)
                    if (Libc.Write(fd, p, bytes.Length) < 0) throw ErrnoException.FromLast($"write sysctl {key}={value}");
            }
            finally { Libc.Close(fd); }
        }
    }

    private static State HookState(InitConfig c, string status) => new()
    {
        Id = c.ContainerId, Pid = c.HostPid, Status = status, Bundle = c.Bundle, Annotations = c.Spec.Annotations,
    };
}
