using System.Diagnostics;
using System.Formats.Tar;
using System.Text;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Quai.Engine.IntegrationTests;

public sealed record Result(int Code, string Out, string Err)
{
    public override string ToString() => $"exit {Code}\nstdout: {Out}\nstderr: {Err}";
}

/// <summary>One temporary store root per test class, created by quai itself inside a 0755 temporary
/// directory (as /var/lib/quai is inside /var/lib), with a busybox image "bb" imported into it;
/// drives the published NativeAOT quai (env QUAI_BIN, default out/bin/quai). Dispose removes every
/// container (which stops its monitor and unmounts its rootfs), then checks that no mount, monitor
/// or cgroup of this root is left, and deletes the root.</summary>
public sealed class QuaiHost : IDisposable
{
    private readonly string _parent;
    public string Root => Path.Combine(_parent, "store");

    private static string MakeParent()
    {
        var dir = Directory.CreateTempSubdirectory("qit-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED); // 0755: the store's own mode is what keeps users out
        return dir;
    }
    public static string Bin { get; } = Environment.GetEnvironmentVariable("QUAI_BIN") is { Length: > 0 } b ? b
        : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../out/bin/quai"));

    public QuaiHost() : this(MakeParent()) { }

    /// <summary>A store in <paramref name="parent"/> (e.g. a small tmpfs the test mounted); Dispose
    /// deletes what is inside and tries to delete the directory itself.</summary>
    public static QuaiHost In(string parent) => new(parent);

    private QuaiHost(string parent)
    {
        _parent = parent;
        if (!File.Exists(Bin)) throw new InvalidOperationException($"published quai not found at {Bin}: dotnet publish src/Quai.Cli -c Release -o out/bin");
        var tar = Path.Combine(_parent, "bb.tar");
        WriteBusyboxTar(tar);
        var r = Run("import", tar, "bb:latest", "--change", "CMD [\"sh\"]");
        if (r.Code != 0) throw new InvalidOperationException("import failed: " + r);
        File.Delete(tar);
    }

    private static void WriteBusyboxTar(string path)
    {
        using var f = File.Create(path);
        using var w = new TarWriter(f, TarEntryFormat.Pax);
        void Dir(string n, UnixFileMode mode = (UnixFileMode)0x1ED) => w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, n) { Mode = mode });
        void Text(string n, string content)
        {
            var e = new PaxTarEntry(TarEntryType.RegularFile, n) { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
            w.WriteEntry(e);
        }
        Dir("bin/"); Dir("etc/"); Dir("root/"); Dir("home/"); Dir("home/user/"); Dir("tmp/", (UnixFileMode)0x3FF); Dir("data/");
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = (UnixFileMode)0x1ED, DataStream = File.OpenRead("/usr/bin/busybox") });
        foreach (var a in new[] { "sh", "ls", "cat", "echo", "true", "false", "sleep", "id", "env", "hostname", "trap", "touch", "mkdir", "seq", "yes", "head", "ps", "pwd", "test", "wc", "dd", "grep", "tail", "df", "tty", "ln" })
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + a) { LinkName = "busybox", Mode = (UnixFileMode)0x1FF });
        Text("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
        Text("etc/group", "root:x:0:\nuser:x:1000:\nextra:x:2000:user\n");
        Text("etc/notexec", "#!/bin/sh\necho hi\n");
    }

    /// <summary>Environment variables every quai started by this host gets (e.g. a registry test's DOCKER_CONFIG).</summary>
    public Dictionary<string, string> Env { get; } = [];

    /// <summary>A command quai is run under (e.g. nsenter --net=… for a test's own network namespace).</summary>
    public string[] Prefix { get; set; } = [];

    public Result Run(params string[] args) => RunWith(null, TimeSpan.FromSeconds(60), args);

    public Result RunWith(string? stdin, TimeSpan timeout, params string[] args) => RunIn(null, stdin, timeout, args);

    /// <summary>quai with <paramref name="cwd"/> as its working directory.</summary>
    public Result RunIn(string? cwd, string? stdin, TimeSpan timeout, params string[] args)
    {
        using var p = Start(args, stdin is not null, cwd);
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"quai {string.Join(' ', args)} did not finish in {timeout}");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, o.Result, e.Result);
    }

    /// <summary>Starts quai on this root. <paramref name="defaultSigint"/>: with SIGINT at its default disposition,
    /// as a terminal starts it, whatever the test host inherited (a job started in the background by a
    /// non-interactive shell has SIGINT ignored, and quai keeps an inherited SIG_IGN as Unix programs do);
    /// env execs quai, so the process's pid is quai's.</summary>
    public Process Start(string[] args, bool redirectStdin = false, string? cwd = null, bool defaultSigint = false)
    {
        var psi = new ProcessStartInfo(Prefix.Length > 0 ? Prefix[0] : defaultSigint ? "env" : Bin) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectStdin, UseShellExecute = false };
        foreach (var a in Prefix.Skip(1)) psi.ArgumentList.Add(a);
        if (defaultSigint) { if (Prefix.Length > 0) psi.ArgumentList.Add("env"); psi.ArgumentList.Add("--default-signal=INT"); psi.ArgumentList.Add(Bin); }
        else if (Prefix.Length > 0) psi.ArgumentList.Add(Bin);
        if (cwd is not null) psi.WorkingDirectory = cwd;
        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(Root);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("QUAI_ROOT");
        foreach (var (k, v) in Env) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    public string Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.Code == 0, $"quai {string.Join(' ', args)}: {r}");
        return r.Out.Trim();
    }

    public string Inspect(string container, string format) => Ok("inspect", "-f", format, container);

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>Polls until <paramref name="condition"/> holds; false on timeout.</summary>
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

    public List<string> LeftoverMounts() => File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(Root)).ToList();

    public List<int> LeftoverMonitors() => Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
        .Where(n => int.TryParse(n, out _)).Select(int.Parse!)
        .Where(pid =>
        {
            try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains(Root); }
            catch (IOException) { return false; }
        }).ToList();

    public List<string> LeftoverCgroups(IEnumerable<string> ids) => ids.SelectMany(id =>
            Directory.Exists("/sys/fs/cgroup") ? Directory.EnumerateDirectories("/sys/fs/cgroup").Select(c => Path.Combine(c, "quai", id)) : [])
        .Where(Directory.Exists).ToList();

    private readonly HashSet<string> _ids = [];
    public void Track(string id) { lock (_ids) _ids.Add(id); }

    public void Dispose()
    {
        try
        {
            var ids = Run("ps", "-aq", "--no-trunc").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (ids.Count > 0) Run(["rm", "-f", "-v", .. ids]);
            Eventually(() => LeftoverMonitors().Count == 0, TimeSpan.FromSeconds(10));
            foreach (var pid in LeftoverMonitors()) { try { Process.GetProcessById(pid).Kill(true); } catch (Exception) { } }
            foreach (var m in LeftoverMounts().Select(l => l.Split(' ')[4]).OrderByDescending(x => x.Length))
                Process.Start("umount", ["-l", m])!.WaitForExit();
            List<string> cg;
            lock (_ids) cg = LeftoverCgroups(_ids.Concat(ids));
            foreach (var d in cg) { try { Directory.Delete(d); } catch (IOException) { } }
        }
        finally
        {
            try { Directory.Delete(_parent, true); } catch (Exception) { }
        }
    }
}
