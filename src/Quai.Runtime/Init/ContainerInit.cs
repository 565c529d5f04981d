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
        try
        {
            var code = e switch { ExecutableNotFoundException x => x.ExitCode, ErrnoException x => x.Code, _ => 0 };
            channel.SendError(e.Message, code);
        }
        catch (IOException) { Console.Error.WriteLine($"quai-runtime init: {e.Message}"); }
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
        if (config.NewMountNamespace) rootfs.Prepare();

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

        // Everything is prepared before READY, so that once `start` releases the fifo only the
        // startContainer hooks and the native final exec remain (start-to-exec latency).
        return Exec(config, process, path, () =>
        {
            channel.Send(InitChannel.Ready, 0);
            WaitForStart(config.FifoFd);
            HookRunner.Run("startContainer", spec.Hooks?.StartContainer, HookState(config, "running"));
        });
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
        return Exec(config, process, path, () => channel.Send(InitChannel.Ready, 0));
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

    private static void WaitForStart(int fifoFd)
    {
        var pfd = new Libc.PollFd { Fd = fifoFd, Events = 1 /* POLLIN */ };
        while (true)
        {
            var r = Libc.Poll(&pfd, 1, -1);
            if (r < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
            if (r < 0) throw ErrnoException.FromLast("wait on exec fifo");
            if ((pfd.Revents & 1) != 0) break;
        }
        byte b;
        Libc.Read(fifoFd, &b, 1);
        // Kept open, close-on-exec: `start` waits for it to close at execve.
        Libc.Fcntl(fifoFd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */);
    }

    /// <summary>Prepares the final exec, runs <paramref name="beforeExec"/> (report ready, wait for
    /// start), then hands over to the native final exec; returns only if that failed.</summary>
    private static int Exec(InitConfig config, Oci.Runtime.Process process, string path, Action beforeExec)
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
                SetCaps = caps is null ? 0 : 1,
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
            Console.Error.WriteLine(failed == Native.ExecSteps.Length - 1
                ? $"quai-runtime: exec {path}: {Errno.Describe(errno).ToLowerInvariant()}"
                : $"quai-runtime: {step}: {Errno.Describe(errno).ToLowerInvariant()}");
            return errno is Errno.ENOENT ? 127 : errno is Errno.EACCES or Errno.ENOEXEC or Errno.EPERM ? 126 : 1;
        }
    }

    private static string HomeOf(uint uid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length >= 6 && uint.TryParse(f[2], out var u) && u == uid) return f[5];
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
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
