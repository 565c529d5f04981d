using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Quai.Runtime.IntegrationTests.Infrastructure;

/// <summary>The result of one command: exit status (128+N when killed by signal N, as a shell
/// reports it), standard output and standard error.</summary>
public sealed record Result(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";

    public Result Ok()
    {
        Assert.True(Exit == 0, $"expected success, got {this}");
        return this;
    }
}

/// <summary>Locates the published quai-runtime and runs commands. Output goes through files, not
/// pipes: a detached container inherits the command's stdio and would keep a pipe open.</summary>
public static class Rt
{
    private static readonly Lazy<string> BinLazy = new(FindBin);
    private static readonly Lazy<string> BusyboxLazy = new(() =>
        File.Exists("/usr/bin/busybox") ? "/usr/bin/busybox"
        : File.Exists("/bin/busybox") ? "/bin/busybox"
        : throw new InvalidOperationException("integration tests need a static busybox at /usr/bin/busybox (apt-get install busybox-static)"));

    public static string Bin => BinLazy.Value;
    public static string Busybox => BusyboxLazy.Value;

    /// <summary>A per-run scratch directory under /tmp (world-traversable, for the rootless tests).</summary>
    public static readonly string Scratch = CreateScratch();

    private static string CreateScratch()
    {
        var dir = Path.Combine("/tmp", $"quai-it-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Bundle.UnmountUnder(dir);
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception) { /* best effort: every test already removed its own files */ }
        };
        return dir;
    }

    private static string FindBin()
    {
        var env = Environment.GetEnvironmentVariable("QUAI_RUNTIME_BIN");
        string path;
        if (!string.IsNullOrEmpty(env)) path = Path.GetFullPath(env);
        else
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Quai.slnx"))) dir = dir.Parent;
            if (dir is null) throw new InvalidOperationException("cannot find the repository root (Quai.slnx) above " + AppContext.BaseDirectory + "; set QUAI_RUNTIME_BIN");
            path = Path.Combine(dir.FullName, "out", "bin", "quai-runtime");
        }
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"quai-runtime not found at {path}. The integration tests drive the published NativeAOT binary: " +
                "run `dotnet publish src/Quai.Runtime.Cli -c Release -o out/bin` first, or set QUAI_RUNTIME_BIN.", path);
        if (Interop.Libc.GetEuid() != 0)
            throw new InvalidOperationException("the runtime integration tests must run as root");
        return path;
    }

    public static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Runs quai-runtime with <paramref name="args"/>.</summary>
    public static Result Runtime(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null,
        IEnumerable<string>? prefix = null, IDictionary<string, string>? env = null) =>
        Exec([.. prefix ?? [], Bin, .. args], stdin, timeout, env);

    /// <summary>Runs any program (argv[0] looked up in PATH) with stdio through temp files.</summary>
    public static Result Exec(IReadOnlyList<string> argv, string? stdin = null, TimeSpan? timeout = null, IDictionary<string, string>? env = null)
    {
        var tag = Guid.NewGuid().ToString("N");
        var outFile = Path.Combine(Scratch, tag + ".out");
        var errFile = Path.Combine(Scratch, tag + ".err");
        var inFile = Path.Combine(Scratch, tag + ".in");
        File.WriteAllText(inFile, stdin ?? "");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$@\" <\"$QIT_IN\" >\"$QIT_OUT\" 2>\"$QIT_ERR\"");
        psi.ArgumentList.Add("sh");
        foreach (var a in argv) psi.ArgumentList.Add(a);
        psi.Environment["QIT_IN"] = inFile;
        psi.Environment["QIT_OUT"] = outFile;
        psi.Environment["QIT_ERR"] = errFile;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        try
        {
            using var p = System.Diagnostics.Process.Start(psi)!;
            var limit = timeout ?? TimeSpan.FromSeconds(30);
            if (!p.WaitForExit(limit))
            {
                try { p.Kill(true); } catch (InvalidOperationException) { }
                p.WaitForExit();
                throw new TimeoutException($"`{string.Join(' ', argv)}` did not finish within {limit.TotalSeconds}s; " +
                                           $"stdout: {SafeRead(outFile)} stderr: {SafeRead(errFile)}");
            }
            return new Result(p.ExitCode, SafeRead(outFile), SafeRead(errFile));
        }
        finally
        {
            foreach (var f in new[] { outFile, errFile, inFile }) try { File.Delete(f); } catch (IOException) { }
        }
    }

    private static string SafeRead(string f)
    {
        try { return File.ReadAllText(f); }
        catch (IOException) { return ""; }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false after the timeout.</summary>
    public static bool WaitFor(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(20);
        }
        return condition();
    }

    public static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("not a JSON object: " + json);

    public static bool ProcessExists(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException) { return false; }
    }

    /// <summary>Host mountinfo lines mentioning <paramref name="fragment"/>.</summary>
    public static List<string> HostMountsMentioning(string fragment) =>
        File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(fragment, StringComparison.Ordinal)).ToList();

    /// <summary>Every host directory of a cgroup path, v1 controllers and the v2 tree alike.</summary>
    public static List<string> CgroupDirs(string cgroupsPath)
    {
        var rel = cgroupsPath.TrimStart('/');
        var dirs = new List<string>();
        foreach (var mount in Directory.EnumerateDirectories("/sys/fs/cgroup"))
        {
            var d = Path.Combine(mount, rel);
            if (Directory.Exists(d)) dirs.Add(d);
        }
        return dirs;
    }

    public static string CgroupFile(string controller, string cgroupsPath, string file) =>
        Path.Combine("/sys/fs/cgroup", controller, cgroupsPath.TrimStart('/'), file);
}
