using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class EventsTests
{
    [Fact]
    public void Events_streams_stats_and_reports_an_oom_then_ends_with_the_container()
    {
        // The OOM happens only once `events` is running (it has printed its first stats line).
        using var b = new Bundle("sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; tail /dev/zero; sleep 1");
        var memory = new JsonObject { ["limit"] = 16L << 20 };
        if (File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) memory["swap"] = 16L << 20;
        b.Linux["resources"] = new JsonObject { ["memory"] = memory };
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        var log = Path.Combine(b.Dir, "events.out");
        var events = Task.Run(() => Rt.Exec(["sh", "-c", "exec \"$0\" \"$@\" > \"$EVENTS_OUT\"", Rt.Bin, "--root", b.StateRoot,
            "events", "--interval", "200ms", b.Id], env: new Dictionary<string, string> { ["EVENTS_OUT"] = log }));
        Assert.True(Rt.WaitFor(() => File.Exists(log) && File.ReadAllText(log).Contains('\n')), "events printed nothing");
        File.WriteAllText(Path.Combine(b.Rootfs, "go"), "");
        Assert.True(events.Wait(TimeSpan.FromSeconds(15)), "events did not end when the container stopped");
        var r = events.Result.Ok() with { Out = File.ReadAllText(log) };
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Rt.ParseObject).ToList();
        Assert.All(lines, l => Assert.Equal(b.Id, (string?)l["id"]));
        Assert.True(lines.Count(l => (string?)l["type"] == "stats") >= 3, r.Out);
        Assert.Single(lines, l => (string?)l["type"] == "oom");
    }
}

public sealed class DetachTests
{
    [Fact]
    public void Run_detached_returns_at_once_and_the_container_keeps_running()
    {
        using var b = new Bundle("sleep", "60");
        var pidFile = Path.Combine(b.Dir, "pid");
        var started = DateTime.UtcNow;
        b.Run("--detach", "--pid-file", pidFile).Ok();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        var s = b.State();
        Assert.Equal("running", (string?)s["status"]);
        Assert.Equal(File.ReadAllText(pidFile).Trim(), ((int)s["pid"]!).ToString());
        b.Cmd("kill", b.Id, "KILL").Ok();
        Assert.True(b.WaitStopped());
        b.Cmd("delete", b.Id).Ok();
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
    }

    [Fact]
    public void Run_keep_leaves_a_stopped_container_to_inspect_and_delete()
    {
        using var b = new Bundle("sh", "-c", "exit 4");
        Assert.Equal(4, b.Run("--keep").Exit);
        var s = b.State();
        Assert.Equal("stopped", (string?)s["status"]);
        b.Cmd("delete", b.Id).Ok();
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Delete_without_force_removes_a_created_container()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        b.Cmd("delete", b.Id).Ok(); // as runc: a created container is not running yet
        Assert.True(Rt.WaitFor(() => !Rt.ProcessExists(pid)));
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }
}
