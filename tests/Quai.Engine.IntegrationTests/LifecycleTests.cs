using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

public sealed class LifecycleTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private void Cleanup(params string[] names)
    {
        q.Run(["rm", "-f", "-v", .. names]);
        Assert.True(QuaiHost.Eventually(() => q.LeftoverMounts().Count == 0, TimeSpan.FromSeconds(5)), string.Join('\n', q.LeftoverMounts()));
    }

    [Fact]
    public void RunDetached_ThenExec()
    {
        var name = QuaiHost.Unique("exec");
        try
        {
            var id = q.Ok("run", "-d", "--name", name, "bb", "sleep", "60");
            Assert.Matches("^[a-f0-9]{64}$", id);
            q.Track(id);
            Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
            Assert.Equal("hello from exec", q.Ok("exec", name, "sh", "-c", "echo hello from exec"));
            Assert.Equal(id[..12], q.Ok("exec", name, "hostname"));
            var id1000 = q.Ok("exec", "-u", "user", name, "id");
            Assert.StartsWith("uid=1000(user) gid=1000(user)", id1000);
            Assert.Contains("2000(extra)", id1000);
            Assert.Equal("/tmp", q.Ok("exec", "-w", "/tmp", name, "pwd"));
            Assert.Equal("V=1", q.Ok("exec", "-e", "V=1", name, "sh", "-c", "env | grep ^V="));
            var r = q.Run("exec", name, "sh", "-c", "exit 7");
            Assert.Equal(7, r.Code);
            var missing = q.Run("exec", name, "nonexistent-cmd");
            Assert.Equal(126, missing.Code);
            Assert.Contains("executable file not found", missing.Err);
            Assert.Contains(name, q.Ok("ps", "--format", "{{.Names}}"));
        }
        finally { Cleanup(name); }
    }

    [Fact]
    public void Foreground_ExitCodesAndStreams()
    {
        var r = q.Run("run", "--rm", "bb", "sh", "-c", "echo out; echo err >&2; exit 42");
        Assert.Equal(42, r.Code);
        Assert.Equal("out\n", r.Out);
        Assert.Equal("err\n", r.Err);
        var stdin = q.RunWith("piped input\n", TimeSpan.FromSeconds(30), "run", "--rm", "-i", "bb", "cat");
        Assert.Equal("piped input\n", stdin.Out);
        Assert.Equal(0, stdin.Code);
    }

    [Fact]
    public void LogsFollow_StreamsUntilExit()
    {
        var name = QuaiHost.Unique("logs");
        try
        {
            q.Ok("run", "-d", "--name", name, "bb", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done; echo bad >&2");
            var sw = Stopwatch.StartNew();
            var r = q.RunWith(null, TimeSpan.FromSeconds(30), "logs", "-f", name);
            Assert.Equal(0, r.Code);
            Assert.Equal("line1\nline2\nline3\n", r.Out);
            Assert.Equal("bad\n", r.Err);
            Assert.True(sw.Elapsed > TimeSpan.FromMilliseconds(300), "logs -f returned before the container ended");
            var tail = q.Run("logs", "--tail", "2", name); // the last two entries, of both streams
            Assert.Equal(("line3\n", "bad\n"), (tail.Out, tail.Err));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line1$", q.Run("logs", "-t", name).Out.Split('\n')[0]);
        }
        finally { Cleanup(name); }
    }

    [Fact]
    public void Stop_HonoursStopSignalAndTimeout()
    {
        var trap = QuaiHost.Unique("trap");
        var stubborn = QuaiHost.Unique("stub");
        try
        {
            q.Ok("run", "-d", "--name", trap, "--stop-signal", "USR1", "bb", "sh", "-c", "trap 'echo got usr1; exit 0' USR1; while true; do sleep 0.1; done");
            Thread.Sleep(300);
            var sw = Stopwatch.StartNew();
            Assert.Equal(trap, q.Ok("stop", trap));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stop took {sw.Elapsed}");
            Assert.Equal("exited 0", q.Inspect(trap, "{{.State.Status}} {{.State.ExitCode}}"));
            Assert.Contains("got usr1", q.Ok("logs", trap));

            q.Ok("run", "-d", "--name", stubborn, "bb", "sleep", "100"); // pid 1 ignores SIGTERM
            sw.Restart();
            q.Ok("stop", "-t", "1", stubborn);
            Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 8);
            Assert.Equal("exited 137", q.Inspect(stubborn, "{{.State.Status}} {{.State.ExitCode}}"));
        }
        finally { Cleanup(trap, stubborn); }
    }

    [Fact]
    public void RmFlag_RemovesContainer_EvenIfTheCliIsKilled()
    {
        var name = QuaiHost.Unique("rmk");
        using var p = q.Start(["run", "--rm", "--name", name, "bb", "sleep", "1"]);
        Assert.True(QuaiHost.Eventually(() => q.Run("inspect", "-f", "{{.State.Status}}", name).Out.Trim() == "running", TimeSpan.FromSeconds(10)));
        p.Kill();
        p.WaitForExit();
        Assert.True(QuaiHost.Eventually(() => q.Run("inspect", name).Code != 0, TimeSpan.FromSeconds(10)), "container not removed");
        Assert.Empty(q.LeftoverMounts());
    }

    [Fact]
    public void OnFailure3_RestartsExactlyThreeTimes()
    {
        var name = QuaiHost.Unique("onf");
        try
        {
            q.Ok("run", "-d", "--name", name, "--restart", "on-failure:3", "bb", "sh", "-c", "echo attempt; exit 3");
            Assert.True(QuaiHost.Eventually(() => q.Inspect(name, "{{.State.Status}}") == "exited", TimeSpan.FromSeconds(20)));
            Assert.Equal("3 3", q.Inspect(name, "{{.RestartCount}} {{.State.ExitCode}}"));
            Assert.Equal(4, q.Ok("logs", name).Split('\n').Count(l => l == "attempt"));
        }
        finally { Cleanup(name); }
    }

    [Fact]
    public void AlwaysRestart_IsNotUndoneByStop()
    {
        var name = QuaiHost.Unique("alw");
        try
        {
            q.Ok("run", "-d", "--name", name, "--restart", "always", "bb", "sleep", "100");
            q.Ok("stop", "-t", "0", name);
            Thread.Sleep(500);
            Assert.Equal("exited", q.Inspect(name, "{{.State.Status}}"));
            q.Ok("start", name);
            Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
        }
        finally { Cleanup(name); }
    }

    [Fact]
    public void FailingHealthCheck_BecomesUnhealthy()
    {
        var bad = QuaiHost.Unique("unh");
        var good = QuaiHost.Unique("hea");
        try
        {
            q.Ok("run", "-d", "--name", bad, "--health-cmd", "exit 1", "--health-interval", "200ms", "--health-retries", "2", "bb", "sleep", "60");
            q.Ok("run", "-d", "--name", good, "--health-cmd", "echo fine", "--health-interval", "200ms", "bb", "sleep", "60");
            Assert.Equal("starting", q.Inspect(bad, "{{.State.Health.Status}}"));
            Assert.True(QuaiHost.Eventually(() => q.Inspect(bad, "{{.State.Health.Status}}") == "unhealthy", TimeSpan.FromSeconds(10)));
            Assert.True(QuaiHost.Eventually(() => q.Inspect(good, "{{.State.Health.Status}}") == "healthy", TimeSpan.FromSeconds(10)));
            Assert.Contains("fine", q.Inspect(good, "{{json .State.Health.Log}}"));
            Assert.Contains("(unhealthy)", q.Ok("ps", "--filter", "name=" + bad, "--format", "{{.Status}}"));
        }
        finally { Cleanup(bad, good); }
    }

    [Fact]
    public void HealthyProbes_NeverFail_WhileTheMonitorReapsOtherChildren()
    {
        // Regression: the monitor's reaper (waitpid(-1)) used to steal the exec launcher's
        // children, and ~31% of probes failed with ECHILD. retries=1: one lost probe shows.
        var name = QuaiHost.Unique("flap");
        try
        {
            q.Ok("run", "-d", "--name", name, "--health-cmd", "true", "--health-interval", "100ms", "--health-retries", "1", "bb", "sleep", "60");
            Assert.True(QuaiHost.Eventually(() => q.Inspect(name, "{{.State.Health.Status}}") == "healthy", TimeSpan.FromSeconds(10)));
            var deadline = DateTime.UtcNow.AddSeconds(4);
            while (DateTime.UtcNow < deadline)
            {
                var state = q.Inspect(name, "{{.State.Health.Status}} {{.State.Health.FailingStreak}}");
                Assert.True(state == "healthy 0", $"{state}: {q.Inspect(name, "{{json .State.Health.Log}}")}");
                Thread.Sleep(150);
            }
            Assert.DoesNotContain("\"ExitCode\":1", q.Inspect(name, "{{json .State.Health.Log}}"));
        }
        finally { Cleanup(name); }
    }

    [Fact]
    public void MemoryLimit_OomKilled()
    {
        var name = QuaiHost.Unique("oom");
        try
        {
            q.Ok("run", "-d", "--name", name, "-m", "8m", "bb", "sh", "-c", "x=a; while true; do x=$x$x; done");
            Assert.True(QuaiHost.Eventually(() => q.Inspect(name, "{{.State.Status}}") == "exited", TimeSpan.FromSeconds(20)));
            Assert.Equal("true 137", q.Inspect(name, "{{.State.OOMKilled}} {{.State.ExitCode}}"));
            Assert.Equal("8388608", q.Inspect(name, "{{.HostConfig.Memory}}"));
        }
        finally { Cleanup(name); }
    }

    [Fact]
    public void NamedVolume_SurvivesRm()
    {
        var vol = QuaiHost.Unique("vol");
        try
        {
            q.Ok("run", "--rm", "-v", vol + ":/data", "bb", "sh", "-c", "echo kept > /data/f");
            Assert.Contains(vol, q.Ok("volume", "ls", "-q"));
            Assert.Equal("kept", q.Ok("run", "--rm", "-v", vol + ":/data:ro", "bb", "cat", "/data/f"));
            var ro = q.Run("run", "--rm", "-v", vol + ":/data:ro", "bb", "touch", "/data/x");
            Assert.NotEqual(0, ro.Code);
            Assert.Equal("kept", q.Ok("run", "--rm", "--mount", $"type=volume,source={vol},target=/m", "bb", "cat", "/m/f"));
            var host = Directory.CreateTempSubdirectory("qit-bind-").FullName;
            try
            {
                q.Ok("run", "--rm", "-v", host + ":/h", "bb", "sh", "-c", "echo bound > /h/b");
                Assert.Equal("bound\n", File.ReadAllText(Path.Combine(host, "b")));
            }
            finally { Directory.Delete(host, true); }
            Assert.Equal(vol, q.Ok("volume", "rm", vol));
            Assert.DoesNotContain(vol, q.Ok("volume", "ls", "-q"));
        }
        finally { q.Run("volume", "rm", "-f", vol); }
    }

    [Fact]
    public void TwentyParallelRuns_AllSucceed()
    {
        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(() => q.RunWith(null, TimeSpan.FromSeconds(120), "run", "--rm", "bb", "echo", "n" + i))).ToArray();
        Task.WaitAll(tasks);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(tasks[i].Result.Code == 0, tasks[i].Result.ToString());
            Assert.Equal("n" + i + "\n", tasks[i].Result.Out);
        }
        Assert.True(QuaiHost.Eventually(() => q.Ok("ps", "-aq") == "", TimeSpan.FromSeconds(10)));
        Assert.Empty(q.LeftoverMounts());
    }

    [Fact]
    public void PauseUnpause_Rename_Top_Inspect()
    {
        var name = QuaiHost.Unique("pau");
        var renamed = QuaiHost.Unique("ren");
        try
        {
            var id = q.Ok("run", "-d", "--name", name, "-e", "A=b", "bb", "sleep", "60");
            q.Ok("pause", name);
            Assert.Equal("paused true", q.Inspect(name, "{{.State.Status}} {{.State.Paused}}"));
            Assert.Contains("(Paused)", q.Ok("ps", "--format", "{{.Status}}", "--filter", "id=" + id[..12]));
            var exec = q.Run("exec", name, "true");
            Assert.Equal(1, exec.Code);
            Assert.Contains("is paused", exec.Err);
            q.Ok("unpause", name);
            q.Ok("rename", name, renamed);
            Assert.Equal("/" + renamed, q.Inspect(id, "{{.Name}}"));
            Assert.Contains("sleep 60", q.Ok("top", renamed));
            Assert.Contains("\"A=b\"", q.Inspect(renamed, "{{json .Config.Env}}"));
            Assert.Equal(id, q.Inspect(renamed, "{{.ID}}"));
        }
        finally { Cleanup(name, renamed); }
    }
}

public sealed class BadInputTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void UnknownImage_125()
    {
        var r = q.Run("run", "--rm", "nosuchimage");
        Assert.Equal(125, r.Code);
        Assert.Contains("Unable to find image 'nosuchimage:latest' locally", r.Err);
    }

    [Fact]
    public void NameConflict_125_WithDockersMessage()
    {
        var name = QuaiHost.Unique("dup");
        try
        {
            var id = q.Ok("create", "--name", name, "bb", "true");
            var r = q.Run("run", "--name", name, "bb", "true");
            Assert.Equal(125, r.Code);
            Assert.Contains($"Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.", r.Err);
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void CommandNotFound_127_NotExecutable_126()
    {
        var r = q.Run("run", "--rm", "bb", "/no/such/binary");
        Assert.Equal(127, r.Code);
        var n = q.Run("run", "--rm", "bb", "/etc/notexec");
        Assert.Equal(126, n.Code);
    }

    [Fact]
    public void BadFlagValues_125()
    {
        Assert.Equal(125, q.Run("run", "--rm", "-m", "lots", "bb", "true").Code);
        Assert.Equal(125, q.Run("run", "--rm", "--restart", "sometimes", "bb", "true").Code);
        Assert.Equal(125, q.Run("run", "--rm", "--cap-add", "NOPE", "bb", "true").Code);
        Assert.Equal(125, q.Run("run", "--no-such-flag", "bb", "true").Code);
    }

    [Fact]
    public void RmRunning_WithoutForce_Fails()
    {
        var name = QuaiHost.Unique("rmr");
        try
        {
            q.Ok("run", "-d", "--name", name, "bb", "sleep", "60");
            var r = q.Run("rm", name);
            Assert.Equal(1, r.Code);
            Assert.Contains($"cannot remove container \"/{name}\": container is running: stop the container before removing or force remove", r.Err);
            Assert.Equal(name, q.Ok("rm", "-f", name));
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void ExecIntoStopped_Fails()
    {
        var name = QuaiHost.Unique("stp");
        try
        {
            var id = q.Ok("create", "--name", name, "bb", "true");
            var r = q.Run("exec", name, "true");
            Assert.Equal(1, r.Code);
            Assert.Contains($"container {id} is not running", r.Err);
            var missing = q.Run("stop", "nosuchcontainer");
            Assert.Equal(1, missing.Code);
            Assert.Contains("No such container: nosuchcontainer", missing.Err);
        }
        finally { q.Run("rm", "-f", name); }
    }
}
