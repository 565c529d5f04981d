using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;
using Native = Quai.Interop.Native;
using Quai.Runtime.Namespaces;
using Quai.Runtime.Process;

namespace Quai.Runtime.Launch;

/// <summary>The parent side of starting a container's init or an exec'd process: spawns a sealed
/// copy of this executable as `init`, puts it in its cgroup, sends the bootstrap (namespaces),
/// writes the id maps when asked, sends the config and runs parent-side hooks when asked.</summary>
public sealed unsafe class InitLauncher
{
    public sealed class Request
    {
        public required InitConfig Config { get; init; }
        public required ICgroupManager Cgroups { get; init; }
        /// <summary>Namespaces to join (type, path); every other namespace of the config is new.</summary>
        public IReadOnlyList<(string Type, string Path)> Join { get; init; } = [];
        public IReadOnlyList<string> New { get; init; } = [];
        public string? ConsoleSocketPath { get; init; }
        public int FifoFd { get; init; } = -1;
        public int ConsoleSocketFd { get; init; } = -1;
        public int SeccompListenerFd { get; init; } = -1;
        /// <summary>The process's stdin, stdout and stderr (default: this process's own 0-2).</summary>
        public StdioFds Stdio { get; init; } = StdioFds.Inherit;
        /// <summary>Runs prestart + createRuntime hooks with the init's pid (create only).</summary>
        public Action<int>? ParentHooks { get; init; }
    }

    /// <summary>Starts the init and returns its pid once it reported ready. On failure the init
    /// is killed and reaped before the exception leaves.</summary>
    public static int Launch(Request request)
    {
        var config = request.Config;
        int[] pair = new int[2];
        fixed (int* p = pair)
            if (Libc.SocketPair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | 0x80000 /* CLOEXEC */, 0, p) < 0)
                throw ErrnoException.FromLast("socketpair for init");
        using var channel = new InitChannel(pair[0]);
        var childSock = pair[1];

        // fds of the child: 0-2, the preserved ones, then ours in a fixed order.
        var next = 3 + config.PreserveFds;
        var map = new List<(int, int)> { (request.Stdio.In, 0), (request.Stdio.Out, 1), (request.Stdio.Err, 2) };
        for (var i = 0; i < config.PreserveFds; i++) map.Add((3 + i, 3 + i));
        var initFd = next++;
        map.Add((childSock, initFd));
        if (request.FifoFd >= 0) { map.Add((request.FifoFd, next)); config.FifoFd = next++; }
        if (request.ConsoleSocketFd >= 0) { map.Add((request.ConsoleSocketFd, next)); config.ConsoleSocketFd = next++; }
        if (request.SeccompListenerFd >= 0) { map.Add((request.SeccompListenerFd, next)); config.SeccompListenerFd = next++; }

        // CVE-2019-5736: the init runs from a file no container can write: this executable on a
        // detached read-only mount, or (without CAP_SYS_ADMIN) a sealed in-memory copy.
        var exe = Native.ReadonlySelf();
        if (exe < 0) exe = Native.SealedSelf();
        if (exe < 0) throw new ErrnoException("copy /proc/self/exe into a sealed memfd", -exe);
        int stage0;
        try
        {
            stage0 = ProcessSpawner.Spawn("/proc/self/exe", ["quai-runtime", "init"],
                [$"{Init.ContainerInit.InitFdVariable}={initFd}"], map, 0, exe);
        }
        finally
        {
            Libc.Close(exe);
            Libc.Close(childSock);
        }

        var initPid = 0;
        var reaped = new HashSet<int>(); // a pid is waited for once: a second wait would block forever (or ECHILD)
        try
        {
            SendBootstrap(channel, request);

            while (initPid == 0)
            {
                var msg = channel.Receive() ?? throw InitDied(stage0, "before it reported its pid", reaped);
                switch (msg.Type)
                {
                    case InitChannel.UsermapReq:
                        WriteIdMaps(msg.Value, config);
                        channel.Send(InitChannel.UsermapAck, 0);
                        break;
                    case InitChannel.ChildPid:
                        initPid = msg.Value;
                        break;
                    case InitChannel.Error:
                        throw NativeFailure(msg);
                }
            }
            if (initPid != stage0) { ProcessSpawner.Wait(stage0); reaped.Add(stage0); }

            // The first move of a process into a v1 cgroup costs an RCU grace period (8-18 ms
            // here): it is done now, while the init's .NET runtime starts, rather than while
            // stage 0 waits. The init waits for the config, so it is in its cgroup before it does
            // anything else; it unshares its cgroup namespace only then (see ContainerInit).
            request.Cgroups.AddProcess(initPid);
            config.HostPid = initPid;
            channel.Send(InitChannel.Config, 0, JsonSerializer.SerializeToUtf8Bytes(config, LaunchJsonContext.Default.InitConfig));
            while (true)
            {
                var msg = channel.Receive() ?? throw InitDied(initPid, "during setup", reaped);
                if (msg.Type == InitChannel.Ready) break;
                if (msg.Type == InitChannel.Error) throw Failure(msg);
                if (msg.Type == InitChannel.HooksRequest)
                {
                    request.ParentHooks?.Invoke(initPid);
                    channel.Send(InitChannel.HooksDone, 0);
                }
            }
            if (config.IsExec)
            {
                // The process's end of the socket is close-on-exec: EOF means it exec'd (`exec -d`
                // returns, and its pid file is written, only once the program runs); an error
                // report means the exec failed.
                FaultPoint.Hit("runtime.exec.ready");
                if (channel.Receive() is { Type: InitChannel.Error } failed) throw Failure(failed);
            }
            return initPid;
        }
        catch
        {
            var victim = initPid != 0 ? initPid : stage0;
            if (reaped.Add(victim))
            {
                Libc.Kill(victim, Sig.KILL);
                Reaper.Wait(victim);
            }
            if (victim != stage0 && !reaped.Contains(stage0)) Reaper.TryReap(stage0, out _);
            throw;
        }
    }

    /// <summary>nsexec.c reports "operation object" and the errno separately.</summary>
    private static Exception NativeFailure((uint Type, int Value, byte[] Payload) msg) =>
        new RuntimeException($"{Encoding.UTF8.GetString(msg.Payload)}: {Errno.Describe(msg.Value).ToLowerInvariant()}");

    private static Exception Failure((uint Type, int Value, byte[] Payload) msg)
    {
        var text = Encoding.UTF8.GetString(msg.Payload);
        if (msg.Value is 126 or 127) return new ProcessStartException(text, msg.Value);
        return new RuntimeException(text);
    }

    /// <summary>Reaps <paramref name="pid"/> (killing it after a second) and says how it ended.</summary>
    private static Exception InitDied(int pid, string when, HashSet<int> reaped)
    {
        var status = ProcessSpawner.Wait(pid, TimeSpan.FromSeconds(1));
        reaped.Add(pid);
        var how = status is null ? "" : ProcessSpawner.Signaled(status.Value)
            ? $" (killed by {Sig.Name(status.Value & 0x7f)})" : $" (exit status {ProcessSpawner.ExitCode(status.Value)})";
        return new RuntimeException($"container init exited {when}{how}");
    }

    private static void SendBootstrap(InitChannel channel, Request r)
    {
        uint flags = 0;
        foreach (var n in r.New) flags |= NamespaceType.Flag(n);
        // A cgroup namespace is rooted where its creator stands: the init creates it once the
        // parent has moved it into the container's cgroup.
        flags &= ~Clone.NEWCGROUP;
        var payload = new MemoryStream();
        foreach (var (type, path) in r.Join)
        {
            var bytes = Encoding.UTF8.GetBytes(path + "\0");
            payload.Write(BitConverter.GetBytes(NamespaceType.Flag(type)));
            payload.Write(BitConverter.GetBytes((uint)bytes.Length));
            payload.Write(bytes);
        }
        var offsets = r.Config.Spec.Linux?.TimeOffsets;
        if ((flags & Clone.NEWTIME) != 0 && offsets is { Count: > 0 })
        {
            var sb = new StringBuilder();
            foreach (var (clock, off) in offsets) sb.Append($"{clock} {off.Secs} {off.Nanosecs}\n");
            payload.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        uint bootFlags = 0;
        var joinsPid = r.Join.Any(j => j.Type is "pid" or "time");
        if ((flags & (Clone.NEWPID | Clone.NEWTIME)) != 0 || joinsPid) bootFlags |= Native.BootFork;
        if ((flags & Clone.NEWUSER) != 0) bootFlags |= Native.BootSetuid0;
        if (r.Join.Any(j => j.Type == "user")) bootFlags |= Native.BootJoinedUserns;
        var oom = r.Config.Spec.Process?.OomScoreAdj;
        if (oom is not null) bootFlags |= Native.BootOomScore;
        var body = payload.ToArray();
        var head = new Native.Bootstrap
        {
            Magic = Native.BootstrapMagic, CloneFlags = flags, Flags = bootFlags, NNs = (uint)r.Join.Count,
            PayloadLen = (uint)body.Length, OomScoreAdj = oom ?? 0,
        };
        var all = new byte[sizeof(Native.Bootstrap) + body.Length];
        MemoryMarshal.Write(all, in head);
        body.CopyTo(all, sizeof(Native.Bootstrap));
        var fd = channel.Fd;
        fixed (byte* p = all)
            if (Libc.Write(fd, p, all.Length) != all.Length) throw ErrnoException.FromLast("send bootstrap to init");
    }

    /// <summary>uid_map/gid_map of the new user namespace. As root we write them; as an
    /// unprivileged user we may only map our own ids (after denying setgroups), or go through
    /// the setuid newuidmap/newgidmap for more.</summary>
    private static void WriteIdMaps(int pid, InitConfig config)
    {
        var linux = config.Spec.Linux;
        var uid = Format(linux?.UidMappings);
        var gid = Format(linux?.GidMappings);
        var rootless = Libc.GetEuid() != 0;
        if (rootless)
        {
            var single = (linux?.UidMappings?.Count ?? 0) <= 1 && (linux?.GidMappings?.Count ?? 0) <= 1;
            if (single)
            {
                WriteProc(pid, "setgroups", "deny");
                WriteProc(pid, "uid_map", uid);
                WriteProc(pid, "gid_map", gid);
                return;
            }
            RunIdMapTool("newuidmap", pid, linux!.UidMappings!);
            RunIdMapTool("newgidmap", pid, linux.GidMappings!);
            return;
        }
        if (uid.Length > 0) WriteProc(pid, "uid_map", uid);
        if (gid.Length > 0) WriteProc(pid, "gid_map", gid);
    }

    private static string Format(List<IdMapping>? maps) =>
        string.Concat((maps ?? []).Select(m => $"{m.ContainerId} {m.HostId} {m.Size}\n"));

    private static void RunIdMapTool(string tool, int pid, List<IdMapping> maps)
    {
        var path = new[] { "/usr/bin/", "/bin/", "/usr/sbin/" }.Select(d => d + tool).FirstOrDefault(File.Exists)
                   ?? throw new RuntimeException($"{tool} is needed to map more than one id rootless: install the uidmap package");
        var args = new List<string> { tool, pid.ToString() };
        foreach (var m in maps) args.AddRange([m.ContainerId.ToString(), m.HostId.ToString(), m.Size.ToString()]);
        var child = ProcessSpawner.Spawn(path, args, [], [(0, 0), (1, 1), (2, 2)]);
        var status = ProcessSpawner.Wait(child);
        if (status != 0) throw new RuntimeException($"{tool} {string.Join(' ', args.Skip(1))} failed");
    }

    public static void WriteProc(int pid, string file, string content)
    {
        var path = $"/proc/{pid}/{file}";
        var fd = Libc.Open(path, O.WRONLY | O.CLOEXEC, 0);
        if (fd < 0) throw ErrnoException.FromLast($"open {path}");
        try
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            fixed (byte* b = bytes)
                if (Libc.Write(fd, b, bytes.Length) < 0) throw ErrnoException.FromLast($"write {content.Trim()} to {path}");
        }
        finally { Libc.Close(fd); }
    }
}

/// <summary>The fds that become a container process's 0, 1 and 2: passed explicitly, so that no
/// caller swaps its own stdio (under a lock) to hand them over.</summary>
public readonly record struct StdioFds(int In, int Out, int Err)
{
    public static StdioFds Inherit { get; } = new(0, 1, 2);
}


