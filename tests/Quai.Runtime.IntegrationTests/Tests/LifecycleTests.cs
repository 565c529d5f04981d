using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class ExitStatusTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(42)]
    public void Run_returns_the_containers_exit_code(int code)
    {
        using var b = new Bundle("sh", "-c", $"echo out; echo err >&2; exit {code}");
        var r = b.Run();
        Assert.Equal(code, r.Exit);
        Assert.Equal("out\n", r.Out);
        Assert.Equal("err\n", r.Err);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)), "run without --keep deletes the container");
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
    }

    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("TERM", 15)]
    [InlineData("USR1", 10)]
    public void Run_of_a_signalled_container_returns_128_plus_the_signal(string name, int number)
    {
        using var b = new Bundle("sh", "-c", $"kill -{name} $$; echo survived");
        b.RemoveNamespace("pid"); // without a pid namespace the init is an ordinary process that dies of the signal
        var r = b.Run();
        Assert.Equal(128 + number, r.Exit);
        Assert.DoesNotContain("survived", r.Out);
    }

    [Theory]
    [InlineData("KILL", 137)]
    [InlineData("9", 137)]
    [InlineData("SIGTERM", 143)]
    public void Run_killed_from_outside_returns_128_plus_N(string signal, int expected)
    {
        using var b = new Bundle("sleep", "30");
        b.RemoveNamespace("pid"); // a pid namespace's init ignores SIGTERM without a handler
        b.Save();
        var run = Task.Run(() => b.Cmd("run", "--bundle", b.Dir, b.Id));
        Assert.True(Rt.WaitFor(() => b.Cmd("state", b.Id) is { Exit: 0 } s && s.Out.Contains("\"running\"")), "run never got running");
        b.Cmd("kill", b.Id, signal).Ok();
        Assert.True(run.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(expected, run.Result.Exit);
    }
}

public sealed class StateTests
{
    [Fact]
    public void State_goes_created_running_stopped_with_the_spec_fields()
    {
        using var b = new Bundle("sh", "-c", "read x < /tmp/go; exit 0");
        Rt.Exec(["mkfifo", Path.Combine(b.Rootfs, "tmp/go")]).Ok();
        var pidFile = Path.Combine(b.Dir, "pid");
        b.Create(null, "--pid-file", pidFile).Ok();
        var s = b.State();
        Assert.Equal("created", (string?)s["status"]);
        Assert.Equal(b.Id, (string?)s["id"]);
        Assert.Equal(b.Dir, (string?)s["bundle"]);
        Assert.StartsWith("1.", (string?)s["ociVersion"]);
        var pid = (int)s["pid"]!;
        Assert.True(pid > 0);
        Assert.Equal(pid.ToString(), File.ReadAllText(pidFile).Trim());
        Assert.True(Rt.ProcessExists(pid));
        // before start the user's program has not run: the init is still the runtime itself
        Assert.DoesNotContain("sh", File.ReadAllText($"/proc/{pid}/comm").Trim());

        b.Cmd("start", b.Id).Ok();
        Assert.True(Rt.WaitFor(() => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sh"));
        s = b.State();
        Assert.Equal("running", (string?)s["status"]);
        Assert.Equal(pid, (int)s["pid"]!);
        var start = b.Cmd("start", b.Id);
        Assert.NotEqual(0, start.Exit);
        Assert.Contains("running", start.Err);

        File.WriteAllText(Path.Combine(b.Rootfs, "tmp/go"), "x\n");
        Assert.True(b.WaitStopped());
        s = b.State();
        Assert.Equal("stopped", (string?)s["status"]);
        Assert.Equal(0, (int)s["pid"]!);
        b.Cmd("delete", b.Id).Ok();
        Assert.NotEqual(0, b.Cmd("state", b.Id).Exit);
    }
}

public sealed class KillDeleteTests
{
    private static void AssertGone(Bundle b, string id, int pid)
    {
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, id)), "state dir left behind");
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.Empty(Rt.HostMountsMentioning(b.Dir));
        Assert.Empty(Rt.HostMountsMentioning(b.Rootfs));
        Assert.True(Rt.WaitFor(() => !Rt.ProcessExists(pid), TimeSpan.FromSeconds(3)), $"pid {pid} still exists");
        var state = b.Cmd("state", id);
        Assert.NotEqual(0, state.Exit);
        Assert.Contains("does not exist", state.Err);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("SIGTERM")]
    [InlineData("15")]
    [InlineData("KILL")]
    [InlineData("9")]
    public void Kill_by_name_or_number_then_delete_leaves_nothing(string signal)
    {
        using var b = new Bundle("sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done");
        b.Create().Ok();
        var pid = b.Pid();
        b.Cmd("start", b.Id).Ok();
        Assert.Equal("running", (string?)b.State()["status"]);
        Thread.Sleep(100); // let the shell install its trap
        b.Cmd("kill", b.Id, signal).Ok();
        Assert.True(b.WaitStopped(), "container did not stop after kill " + signal);
        b.Cmd("delete", b.Id).Ok();
        AssertGone(b, b.Id, pid);
    }

    [Fact]
    public void Kill_all_signals_every_process()
    {
        using var b = new Bundle("sh", "-c", "sleep 60 & sleep 60 & wait");
        b.RemoveNamespace("pid");
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        List<int> pids = [];
        Assert.True(Rt.WaitFor(() => (pids = System.Text.Json.JsonSerializer.Deserialize<List<int>>(b.Cmd("ps", "--format", "json", b.Id).Ok().Out)!).Count == 3));
        b.Cmd("kill", "--all", b.Id, "KILL").Ok();
        Assert.True(Rt.WaitFor(() => pids.All(p => !Rt.ProcessExists(p))), "some processes survived kill --all");
        b.Cmd("delete", b.Id).Ok();
        AssertGone(b, b.Id, pids[0]);
    }

    [Fact]
    public void Delete_of_a_running_container_needs_force()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        b.Cmd("start", b.Id).Ok();
        var r = b.Cmd("delete", b.Id);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("running", r.Err);
        Assert.True(Rt.ProcessExists(pid));
        b.Cmd("delete", "--force", b.Id).Ok();
        AssertGone(b, b.Id, pid);
    }

    [Fact]
    public void Delete_force_of_a_created_container_leaves_nothing()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        Assert.NotEmpty(Rt.CgroupDirs(b.CgroupsPath));
        b.Cmd("delete", "--force", b.Id).Ok();
        AssertGone(b, b.Id, pid);
    }

    [Fact]
    public void Kill_of_a_stopped_container_fails()
    {
        using var b = new Bundle("true");
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        Assert.True(b.WaitStopped());
        var r = b.Cmd("kill", b.Id, "KILL");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("not running", r.Err);
        b.Cmd("delete", b.Id).Ok();
    }

    [Fact]
    public void Kill_with_an_unknown_signal_fails()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var r = b.Cmd("kill", b.Id, "NOTASIGNAL");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("NOTASIGNAL", r.Err);
        Assert.Equal("created", (string?)b.State()["status"]);
    }
}
