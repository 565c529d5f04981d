using System.Diagnostics;

namespace Quai.Network.Firewall;

/// <summary>Runs a host program (nft) and returns its exit code and output. The library's default uses
/// <see cref="System.Diagnostics.Process"/>; a process that owns waitpid(-1) (the engine's container
/// monitor, whose reaper would steal Process's child) passes one built on its own spawner.</summary>
public delegate (int Exit, string Stdout, string Stderr) HostCommand(string file, IReadOnlyList<string> args, string? stdin);

public static class HostCommands
{
    /// <summary>Through <see cref="System.Diagnostics.Process"/>: for processes without a reaper thread (the CLI).</summary>
    public static (int Exit, string Stdout, string Stderr) WithProcess(string file, IReadOnlyList<string> args, string? stdin)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"cannot run {file} ({e.Message})", e); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEndAsync();
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
            p.WaitForExit();
            return (p.ExitCode, output.Result, err.Result);
        }
    }
}
