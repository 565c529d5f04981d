using System.Diagnostics;
using Quai.Runtime.Cgroups;
using Xunit.Abstractions;

namespace Quai.Runtime.Tests.Cgroups;

internal static class RealKernel
{
    public static string UniqueName() => "quai-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The cgroup2 mount when we can use it (root, mounted), else null (test then passes vacuously, with a note).</summary>
    public static string? Cgroup2Mount(ITestOutputHelper output)
    {
        if (!Environment.IsPrivilegedProcess) { output.WriteLine("SKIPPED: needs root"); return null; }
        var env = CgroupEnvironment.Detect();
        if (env.UnifiedMountPoint == null || !Directory.Exists(env.UnifiedMountPoint)) { output.WriteLine("SKIPPED: no cgroup2 mount"); return null; }
        return env.UnifiedMountPoint;
    }

    public static bool V1Available(ITestOutputHelper output)
    {
        if (!Environment.IsPrivilegedProcess) { output.WriteLine("SKIPPED: needs root"); return false; }
        var mode = CgroupManagerFactory.DetectMode();
        if (mode is not (CgroupMode.Legacy or CgroupMode.Hybrid)) { output.WriteLine($"SKIPPED: host is {mode}"); return false; }
        return true;
    }

    public static System.Diagnostics.Process Sleeper() =>
        System.Diagnostics.Process.Start(new ProcessStartInfo("/bin/sleep", "1000") { UseShellExecute = false, RedirectStandardInput = true })!;

    /// <summary>Runs a shell that first moves itself into <paramref name="cgroupDir"/>, then runs <paramref name="command"/>.</summary>
    public static (int ExitCode, string Stderr) RunInCgroup(string cgroupDir, string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"echo $$ > '{cgroupDir}/cgroup.procs' || exit 99; {command}");
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Close();
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(10_000)) { p.Kill(); throw new TimeoutException(command); }
        return (p.ExitCode, err);
    }

    public static void KillQuietly(System.Diagnostics.Process? p)
    {
        if (p == null) return;
        try { if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); } } catch (InvalidOperationException) { }
        p.Dispose();
    }

    /// <summary>rmdir a cgroup tree left by a test (after its processes are gone).</summary>
    public static void RemoveCgroup(string? dir)
    {
        if (dir == null || !Directory.Exists(dir)) return;
        foreach (var child in Directory.GetDirectories(dir)) RemoveCgroup(child);
        for (int i = 0; i < 100 && Directory.Exists(dir); i++)
        {
            try { Directory.Delete(dir, recursive: false); }
            catch (IOException) { Thread.Sleep(20); }
        }
    }
}
