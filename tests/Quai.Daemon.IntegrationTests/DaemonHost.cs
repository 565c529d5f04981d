using System.Diagnostics;
using System.Formats.Tar;
using System.Net.Sockets;
using System.Text;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Quai.Daemon.IntegrationTests;

public sealed record Result(int Code, string Out, string Err)
{
    public override string ToString() => $"exit {Code}\nstdout: {Out}\nstderr: {Err}";
}

/// <summary>A published `quai daemon` on its own store (a temporary root, as the engine tests give quai) and its
/// own socket /tmp/qd-&lt;random&gt;.sock, driven by the real docker CLI (DOCKER_HOST=unix://…, a private DOCKER_CONFIG)
/// and by `quai --root` on the same store. A busybox image (FROM scratch + the host's busybox-static) is saved to
/// <see cref="ImageTar"/> for `docker load`. Dispose removes every container, stops the daemon, removes the socket
/// and the store, also when a test failed.</summary>
public sealed class DaemonHost : IDisposable
{
    public static string Bin { get; } = Environment.GetEnvironmentVariable("QUAI_BIN") is { Length: > 0 } b ? b
        : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../out/bin/quai"));

    private readonly string _parent;
    public string Root => Path.Combine(_parent, "store");
    public string Socket { get; } = $"/tmp/qd-{Guid.NewGuid():N}"[..17] + ".sock";
    public string ImageTar => Path.Combine(_parent, "bb.tar");
    private readonly string _dockerConfig;
    private Process _daemon = null!;
    private readonly StringBuilder _daemonLog = new();

    public DaemonHost()
    {
        if (!File.Exists(Bin)) throw new InvalidOperationException($"published quai not found at {Bin}: dotnet publish src/Quai.Cli -c Release -o out/bin");
        _parent = Directory.CreateTempSubdirectory("qdt-").FullName;
        File.SetUnixFileMode(_parent, (UnixFileMode)0x1ED);
        _dockerConfig = Path.Combine(_parent, "docker-config");
        Directory.CreateDirectory(_dockerConfig);
        var rootfs = Path.Combine(_parent, "rootfs.tar");
        WriteBusyboxTar(rootfs);
        Must(Quai("import", rootfs, "bb:latest", "--change", "CMD [\"sh\"]"));
        Must(Quai("save", "-o", ImageTar, "bb:latest"));
        Must(Quai("rmi", "bb:latest"));
        File.Delete(rootfs);
        try { StartDaemon(); }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void StartDaemon()
    {
        var psi = new ProcessStartInfo(Bin) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--root", Root, "daemon", "-H", "unix://" + Socket }) psi.ArgumentList.Add(a);
        psi.Environment.Remove("QUAI_ROOT");
        _daemon = Process.Start(psi)!;
        _daemon.OutputDataReceived += (_, e) => { lock (_daemonLog) _daemonLog.AppendLine(e.Data); };
        _daemon.ErrorDataReceived += (_, e) => { lock (_daemonLog) _daemonLog.AppendLine(e.Data); };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        if (!Eventually(CanConnect, TimeSpan.FromSeconds(30)))
            throw new InvalidOperationException("the daemon did not listen: " + DaemonLog);
    }

    /// <summary>SIGKILLs the daemon (what a crash or `systemctl kill` does), then starts it again on the same socket.</summary>
    public void KillAndRestartDaemon()
    {
        _daemon.Kill();
        _daemon.WaitForExit();
        _daemon.Dispose();
        StartDaemon();
    }

    public string DaemonLog { get { lock (_daemonLog) return _daemonLog.ToString(); } }

    public bool DaemonExited => _daemon.HasExited;

    private bool CanConnect()
    {
        if (_daemon.HasExited) return false;
        try
        {
            using var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(Socket));
            return true;
        }
        catch (SocketException) { return false; }
    }

    private static void Must(Result r)
    {
        if (r.Code != 0) throw new InvalidOperationException(r.ToString());
    }

    private static void WriteBusyboxTar(string path)
    {
        using var f = File.Create(path);
        using var w = new TarWriter(f, TarEntryFormat.Pax);
        void Dir(string n, UnixFileMode mode = (UnixFileMode)0x1ED) => w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, n) { Mode = mode });
        Dir("bin/"); Dir("etc/"); Dir("root/"); Dir("tmp/", (UnixFileMode)0x3FF); Dir("data/");
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = (UnixFileMode)0x1ED, DataStream = File.OpenRead("/usr/bin/busybox") });
        foreach (var a in new[] { "sh", "ls", "cat", "echo", "true", "false", "sleep", "id", "env", "hostname", "seq", "head", "ps", "pwd", "test", "wc" })
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + a) { LinkName = "busybox", Mode = (UnixFileMode)0x1FF });
        var passwd = Encoding.UTF8.GetBytes("root:x:0:0:root:/root:/bin/sh\n");
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/passwd") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(passwd) });
    }

    public Result Quai(params string[] args) => Exec(Bin, ["--root", Root, .. args], null, TimeSpan.FromSeconds(60));

    public Result Docker(params string[] args) => DockerWith(null, args);

    public Result DockerWith(string? stdin, params string[] args) => Exec("docker", args, stdin, TimeSpan.FromSeconds(90));

    private Result Exec(string file, string[] args, string? stdin, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("QUAI_ROOT");
        psi.Environment["DOCKER_HOST"] = "unix://" + Socket;
        psi.Environment["DOCKER_CONFIG"] = _dockerConfig;
        psi.Environment.Remove("DOCKER_CONTEXT");
        psi.Environment.Remove("DOCKER_API_VERSION");
        using var p = Process.Start(psi)!;
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}; daemon log: {DaemonLog}");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, o.Result, e.Result);
    }

    public string Ok(params string[] args)
    {
        var r = Docker(args);
        Assert.True(r.Code == 0, $"docker {string.Join(' ', args)}: {r}\ndaemon log: {DaemonLog}");
        return r.Out.Trim();
    }

    /// <summary>An HTTP client on the daemon's socket, for what the docker CLI never sends (bad input).</summary>
    public HttpClient Http() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://docker"), Timeout = TimeSpan.FromSeconds(30) };

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return condition();
    }

    public void Dispose()
    {
        try
        {
            var ids = Quai("ps", "-aq", "--no-trunc");
            foreach (var id in ids.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Quai("rm", "-f", id.Trim());
        }
        catch (Exception) { }
        try
        {
            if (_daemon is { HasExited: false })
            {
                Quai_Interop_Kill(_daemon.Id, 15);
                if (!_daemon.WaitForExit(10_000)) _daemon.Kill(true);
            }
            _daemon?.WaitForExit();
        }
        catch (Exception) { }
        _daemon?.Dispose();
        try { File.Delete(Socket); } catch (IOException) { }
        try
        {
            foreach (var line in File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(Root)))
            {
                var mountPoint = line.Split(' ')[4];
                Exec("umount", ["-l", mountPoint], null, TimeSpan.FromSeconds(10));
            }
            Directory.Delete(_parent, true);
        }
        catch (Exception) { }
    }

    private static void Quai_Interop_Kill(int pid, int sig) => kill(pid, sig);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
