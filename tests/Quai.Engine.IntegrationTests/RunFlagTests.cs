namespace Quai.Engine.IntegrationTests;

/// <summary>run flags whose effect is visible from inside the container: -h, --cpuset-cpus,
/// --init; and Docker's usage errors for them.</summary>
public sealed class RunFlagTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void ShortHostnameFlag_SetsTheHostname()
    {
        Assert.Equal("flag-host", q.Ok("run", "--rm", "-h", "flag-host", "bb", "hostname"));
    }

    [Fact]
    public void CpusetCpus_RestrictsWhereTheProcessMayRun()
    {
        var allowed = q.Ok("run", "--rm", "--cpuset-cpus", "0", "bb", "grep", "Cpus_allowed_list", "/proc/self/status");
        Assert.EndsWith("\t0", allowed);
        var bad = q.Run("run", "--rm", "--cpuset-cpus", "1-x", "bb", "true");
        Assert.Equal(125, bad.Code);
        Assert.Contains("invalid argument \"1-x\" for \"--cpuset-cpus\" flag", bad.Err);
    }

    [Fact]
    public void Platform_MustMatchTheImage()
    {
        Assert.Equal("ok", q.Ok("run", "--rm", "--platform", "linux/amd64", "bb", "echo", "ok"));
        var other = q.Run("run", "--rm", "--platform", "linux/arm64", "bb", "echo", "ok");
        Assert.Equal(125, other.Code);
        Assert.Contains("does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64", other.Err);
        Assert.DoesNotContain("ok", other.Out);
    }

    [Fact]
    public void VolumesFrom_SharesTheOtherContainersVolumes_ReadOnlyWhenAsked()
    {
        var source = QuaiHost.Unique("vsrc");
        var volume = QuaiHost.Unique("vdata");
        try
        {
            q.Track(q.Ok("create", "--name", source, "-v", volume + ":/shared", "bb", "true"));
            Assert.Equal("", q.Ok("run", "--rm", "--volumes-from", source, "bb", "sh", "-c", "echo written > /shared/f"));
            Assert.Equal("written", q.Ok("run", "--rm", "--volumes-from", source + ":ro", "bb", "cat", "/shared/f"));
            var ro = q.Run("run", "--rm", "--volumes-from", source + ":ro", "bb", "sh", "-c", "echo again > /shared/f");
            Assert.NotEqual(0, ro.Code);
            Assert.Contains("Read-only file system", ro.Err);
            Assert.Equal(125, q.Run("run", "--rm", "--volumes-from", "no-such-container-x", "bb", "true").Code);
        }
        finally
        {
            q.Run("rm", "-f", source);
            q.Run("volume", "rm", volume);
        }
    }

    [Fact]
    public void AttachFlag_SelectsTheStreams()
    {
        var outOnly = q.Run("run", "--rm", "-a", "stdout", "bb", "sh", "-c", "echo to-out; echo to-err >&2");
        Assert.Equal(("to-out\n", ""), (outOnly.Out, outOnly.Err));
        var errOnly = q.Run("run", "--rm", "-a", "STDERR", "bb", "sh", "-c", "echo to-out; echo to-err >&2");
        Assert.Equal(("", "to-err\n"), (errOnly.Out, errOnly.Err));
        var conflict = q.Run("run", "-d", "-a", "stdout", "bb", "true");
        Assert.Equal(125, conflict.Code);
        Assert.Contains("Conflicting options: -a and -d", conflict.Err);
    }

    [Fact]
    public void DetachKeys_LeaveTheContainerRunning_OtherInputPassesThrough()
    {
        var name = QuaiHost.Unique("detach");
        try
        {
            // ctrl-p ctrl-q (Docker's default) ends the attach; the container goes on
            var r = q.RunWith("abc\u0010\u0011", TimeSpan.FromSeconds(20), "run", "-i", "--name", name, "bb", "sh", "-c", "cat > /tmp/in; sleep 60");
            Assert.Equal(0, r.Code);
            Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
            Assert.Equal("abc", q.Ok("exec", name, "cat", "/tmp/in"));
            // a custom sequence; bytes that only start it are ordinary input
            var echo = q.RunWith("x\u0018y\n", TimeSpan.FromSeconds(20), "run", "--rm", "-i", "--detach-keys", "ctrl-x,z", "bb", "cat");
            Assert.Equal("x\u0018y\n", echo.Out);
            Assert.Equal(125, q.Run("run", "--rm", "-i", "--detach-keys", "ctrl-", "bb", "true").Code);
        }
        finally { q.Run("rm", "-f", name); }
    }

    [SkippableInitFact]
    public void Init_RunsDockerInitAsPid1_AndTheCommandUnderIt()
    {
        var name = QuaiHost.Unique("init");
        try
        {
            q.Track(q.Ok("run", "-d", "--init", "--name", name, "bb", "sleep", "60"));
            // PID 1 is the init, the command its child; the command is still what the user asked for.
            Assert.StartsWith("/sbin/docker-init -- sleep 60", q.Ok("exec", name, "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"));
            Assert.Contains("sleep 60", q.Ok("exec", name, "ps"));
            // the init forwards SIGTERM to the command, so stop does not need the timeout's SIGKILL
            var r = q.Run("stop", "-t", "20", name);
            Assert.Equal(0, r.Code);
            Assert.Equal("143", q.Inspect(name, "{{.State.ExitCode}}"));
        }
        finally { q.Run("rm", "-f", name); }
    }
}

/// <summary>--init needs Debian's tini-static (installed by scripts/setup.sh).</summary>
public sealed class SkippableInitFactAttribute : FactAttribute
{
    public SkippableInitFactAttribute()
    {
        if (!File.Exists("/usr/bin/tini-static") && Environment.GetEnvironmentVariable("QUAI_INIT_PATH") is null)
            Skip = "tini-static is not installed (apt-get install tini)";
    }
}
