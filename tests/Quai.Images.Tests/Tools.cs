using System.Diagnostics;

namespace Quai.Images.Tests;

/// <summary>External programs the end-to-end tests drive: the published quai and podman/skopeo/umoci.</summary>
public static class Tools
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>$QUAI_BIN</c>, else <c>&lt;repo&gt;/out/bin/quai</c> (from <c>dotnet publish src/Quai.Cli -c Release -o out/bin</c>).</summary>
    public static string Quai => Environment.GetEnvironmentVariable("QUAI_BIN") is { Length: > 0 } b ? b : Path.Combine(RepoRoot, "out/bin/quai");

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Quai.slnx"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    public static string? Which(string tool)
    {
        if (tool == "quai") return File.Exists(Quai) ? Quai : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var p = Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public Result Ok()
        {
            Assert.True(ExitCode == 0, $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
            return this;
        }
    }

    public static Result Run(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, byte[]? stdin = null, int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds}s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fact that is skipped, saying why, when a program it needs is not installed.</summary>
public sealed class RequiresFactAttribute : FactAttribute
{
    public RequiresFactAttribute(params string[] tools)
    {
        var missing = tools.Where(t => Tools.Which(t) is null).ToList();
        if (missing.Count > 0)
            Skip = missing.Contains("quai")
                ? $"quai binary not found at {Tools.Quai}: run `dotnet publish src/Quai.Cli -c Release -o out/bin` or set QUAI_BIN"
                : $"not installed: {string.Join(", ", missing)}";
    }
}
