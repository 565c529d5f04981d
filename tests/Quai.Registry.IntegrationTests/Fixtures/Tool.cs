using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>What an external tool (skopeo, podman, curl, htpasswd…) did: its exit code and output.
/// <see cref="ToString"/> shows the command line and both streams, for failure messages.</summary>
public sealed record ToolResult(string Command, int Code, string Out, string Err)
{
    public bool Ok => Code == 0;
    public override string ToString() => $"{Command}\nexit {Code}\nstdout: {Out}\nstderr: {Err}";

    /// <summary>This result, or an exception showing it when the tool failed.</summary>
    public ToolResult OrThrow() => Ok ? this : throw new InvalidOperationException("tool failed: " + this);
}

/// <summary>Runs an external tool with a bounded time (killed, with its process tree, when over).</summary>
public static class Tool
{
    public static ToolResult Run(string exe, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var command = exe + " " + string.Join(' ', psi.ArgumentList.Select(a => a.Contains(' ') || a.Length == 0 ? "'" + a + "'" : a));
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + exe);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        if (!p.WaitForExit(limit))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            return new ToolResult(command, -1, o.Result, e.Result + $"\n(killed after {limit.TotalSeconds:0} s)");
        }
        p.WaitForExit();
        return new ToolResult(command, p.ExitCode, o.Result, e.Result);
    }

    public static ToolResult Run(string exe, params string[] args) => Run(exe, (IEnumerable<string>)args);
}

/// <summary>Free TCP ports on 127.0.0.1 for programs that must be told their port (docker-registry):
/// the kernel picks one, the listener is closed, the caller binds it (and retries if it lost the race).</summary>
public static class FreePort
{
    public static int Pick()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
