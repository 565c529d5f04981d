using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class HookTests
{
    /// <summary>A hook script on the host that appends "phase state-json" to the log.</summary>
    private static JsonObject Hook(string script, string phase, string log, int? timeout = null)
    {
        var h = new JsonObject { ["path"] = script, ["args"] = new JsonArray("hook", phase, log) };
        if (timeout is { } t) h["timeout"] = t;
        return h;
    }

    [Fact]
    public void Hooks_run_in_order_with_the_state_on_stdin()
    {
        using var b = new Bundle("sh", "-c", "echo ran >> /hooklog/log");
        var logDir = Path.Combine(b.Dir, "hooklog");
        Directory.CreateDirectory(logDir);
        var hostLog = Path.Combine(logDir, "log");
        // The script lives on the host and, for startContainer (run in the container after
        // pivot_root), at the same path inside the rootfs; the log dir is bound into the container.
        const string script = "#!/bin/sh\nstate=$(cat | tr -d '\\n')\necho \"$1 $state\" >> \"$2\"\n";
        var hostScript = Path.Combine(b.Dir, "hook.sh");
        File.WriteAllText(hostScript, script);
        File.SetUnixFileMode(hostScript, (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(b.Rootfs, "hook.sh"), script);
        File.SetUnixFileMode(Path.Combine(b.Rootfs, "hook.sh"), (UnixFileMode)0x1ED);
        b.AddMount("/hooklog", "bind", logDir, "rbind", "rw");
        b.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(Hook(hostScript, "prestart", hostLog)),
            ["createRuntime"] = new JsonArray(Hook(hostScript, "createRuntime", hostLog)),
            ["createContainer"] = new JsonArray(Hook(hostScript, "createContainer", hostLog)),
            ["startContainer"] = new JsonArray(Hook("/hook.sh", "startContainer", "/hooklog/log")),
            ["poststart"] = new JsonArray(Hook(hostScript, "poststart", hostLog)),
            ["poststop"] = new JsonArray(Hook(hostScript, "poststop", hostLog)),
        };
        b.Create().Ok();
        var pid = b.Pid();
        b.Cmd("start", b.Id).Ok();
        Assert.True(b.WaitStopped());
        b.Cmd("delete", b.Id).Ok();

        var lines = File.ReadAllLines(hostLog);
        var phases = lines.Select(l => l.Split(' ', 2)[0]).ToList();
        Assert.Equal(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            phases.Where(p => p != "ran").ToList());
        Assert.True(phases.IndexOf("ran") > phases.IndexOf("startContainer"));
        foreach (var line in lines.Where(l => !l.StartsWith("ran", StringComparison.Ordinal)))
        {
            var phase = line.Split(' ', 2)[0];
            var state = Rt.ParseObject(line.Split(' ', 2)[1]);
            Assert.Equal(b.Id, (string?)state["id"]);
            Assert.Equal(b.Dir, (string?)state["bundle"]);
            Assert.False(string.IsNullOrEmpty((string?)state["ociVersion"]), line);
            var expected = phase switch
            {
                "prestart" or "createRuntime" or "createContainer" => "created",
                "startContainer" or "poststart" => "running",
                _ => "stopped",
            };
            Assert.Equal(expected, (string?)state["status"]);
            if (phase != "poststop") Assert.Equal(pid, (int)state["pid"]!);
        }
    }

    [Fact]
    public void Hook_timeout_kills_the_hook_and_fails_create()
    {
        using var b = new Bundle("true");
        var pidFile = Path.Combine(b.Dir, "hook.pid");
        var script = Path.Combine(b.Dir, "slow.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho $$ > {pidFile}\nexec sleep 30\n");
        File.SetUnixFileMode(script, (UnixFileMode)0x1ED);
        b.Config["hooks"] = new JsonObject { ["prestart"] = new JsonArray(new JsonObject { ["path"] = script, ["timeout"] = 1 }) };
        var started = DateTime.UtcNow;
        var r = b.Create();
        Assert.NotEqual(0, r.Exit);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Contains("timeout", r.Err);
        Assert.Contains("prestart", r.Err);
        var hookPid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(Rt.WaitFor(() => !Rt.ProcessExists(hookPid), TimeSpan.FromSeconds(3)), "the hook is still running");
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.NotEqual(0, b.Cmd("state", b.Id).Exit);
    }

    [Fact]
    public void Failing_createRuntime_hook_fails_create_and_leaves_nothing()
    {
        using var b = new Bundle("true");
        b.Config["hooks"] = new JsonObject { ["createRuntime"] = new JsonArray(new JsonObject { ["path"] = "/bin/false" }) };
        var r = b.Create();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("createRuntime", r.Err);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.Empty(Rt.HostMountsMentioning(b.Dir));
    }
}
