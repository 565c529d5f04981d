using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Quai.Engine.IntegrationTests;

/// <summary>Builds that are killed (SIGKILL) or interrupted (Ctrl-C: SIGINT) during a RUN step: nothing of
/// theirs is left, neither a step container, mount, monitor nor cgroup (at once for SIGINT; at the next
/// build for SIGKILL, whose step container outlives it), nor a cache entry for the unfinished step, and a
/// half-written cache entry is ignored and removed. Run under setsid (the tests signal processes).</summary>
public sealed partial class BuildInterruptTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly BuildDir b = new(q);

    public void Dispose() => b.Dispose();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    private const string Slow = "FROM bb\nRUN echo step-started; sleep 120\nRUN echo after\n";

    /// <summary>Starts `quai build` and returns once its RUN step prints that it started.</summary>
    private (Process Build, StringBuilder Err) StartSlowBuild(string tag)
    {
        b.Write("Dockerfile", Slow);
        var p = q.Start(["build", "-t", tag, b.Ctx], defaultSigint: true); // as a terminal starts it
        var err = new StringBuilder();
        var started = new ManualResetEventSlim();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (err) err.AppendLine(e.Data);
            if (e.Data.EndsWith(" step-started", StringComparison.Ordinal)) started.Set(); // the step's output ("#3 0.123 step-started"), not its "#3 [2/3] RUN echo step-started; sleep 120" line
        };
        p.BeginErrorReadLine();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!started.Wait(TimeSpan.FromSeconds(60)))
        {
            p.Kill(true);
            Assert.Fail("the RUN step did not start: " + err);
        }
        return (p, err);
    }

    private static string Locked(StringBuilder err) { lock (err) return err.ToString(); }

    /// <summary>What each thread of a process that did not stop waits in (for the failure message).</summary>
    private static string Threads(int pid)
    {
        try
        {
            var sig = File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal));
            return string.Join(' ', sig) + "\n" + string.Join('\n', Directory.EnumerateDirectories($"/proc/{pid}/task").Select(t =>
                File.ReadAllText(Path.Combine(t, "comm")).Trim() + " " + File.ReadAllText(Path.Combine(t, "wchan")).Trim()));
        }
        catch (IOException e) { return e.Message; }
    }

    private List<string> ContainerIds() => BuildDir.Lines(q.Ok("ps", "-aq", "--no-trunc")).ToList();

    private void AssertNothingLeft(List<string> ids)
    {
        Assert.Empty(ContainerIds());
        Assert.True(QuaiHost.Eventually(() => q.LeftoverMonitors().Count == 0, TimeSpan.FromSeconds(10)), "a monitor is left");
        Assert.Empty(q.LeftoverMounts());
        Assert.Empty(q.LeftoverCgroups(ids));
    }

    [Fact]
    public void A_sigkilled_build_leaves_a_step_container_that_the_next_build_removes_and_no_cache_entry()
    {
        var tag = b.Tag("killed");
        var (p, _) = StartSlowBuild(tag);
        var ids = ContainerIds();
        Assert.Single(ids); // the running RUN step
        foreach (var id in ids) q.Track(id);
        p.Kill(); // SIGKILL, the build alone: its step container's monitor lives on
        p.WaitForExit();
        Assert.Equal(ids, ContainerIds());

        // a cache entry a killed build was writing: a temp file of a dead writer
        var cache = Path.Combine(q.Root, "build-cache");
        Directory.CreateDirectory(cache);
        var temp = Path.Combine(cache, $".{new string('0', 64)}.{p.Id}.tmp");
        File.WriteAllText(temp, "sha256:half");

        // the next build sweeps what the dead one left
        b.Write("Dockerfile", "FROM bb\nRUN echo next-build\n");
        b.Ok();
        AssertNothingLeft(ids);
        Assert.False(File.Exists(temp), "the dead writer's temp file is removed");
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);

        // the unfinished step was never cached: building again runs it again (then it is interrupted)
        var (again, err) = StartSlowBuild(tag);
        Assert.Contains("step-started", err.ToString());
        kill(again.Id, 2);
        Assert.True(again.WaitForExit(30_000), "the build did not stop on SIGINT: " + Threads(again.Id) + "\n" + Locked(err));
        foreach (var id in ContainerIds()) q.Track(id);
    }

    [Fact]
    public void Ctrl_c_removes_the_running_step_container_at_once_and_exits_130()
    {
        var tag = b.Tag("sigint");
        var (p, err) = StartSlowBuild(tag);
        var ids = ContainerIds();
        Assert.Single(ids);
        foreach (var id in ids) q.Track(id);
        Assert.Equal(0, kill(p.Id, 2)); // SIGINT, as Ctrl-C sends it
        Assert.True(p.WaitForExit(30_000), "the build did not stop: " + Threads(p.Id) + "\n" + Locked(err));
        p.WaitForExit();
        Assert.Equal(130, p.ExitCode);
        lock (err) Assert.Contains("canceled", err.ToString());
        AssertNothingLeft(ids); // without any later command
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        Assert.DoesNotContain("after", err.ToString().Replace("step-started", ""));
    }
}
