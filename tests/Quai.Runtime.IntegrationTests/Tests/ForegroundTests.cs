using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>`run` in the foreground: stdio passes through, signals to the runtime reach the container.</summary>
public sealed class ForegroundTests
{
    [Fact]
    public void Run_passes_stdin_through()
    {
        using var b = new Bundle("sh", "-c", "read line; echo got:$line; cat");
        b.Save();
        var r = Rt.Runtime(["--root", b.StateRoot, "run", "--bundle", b.Dir, b.Id], stdin: "first\nrest of it\n").Ok();
        Assert.Equal("got:first\nrest of it\n", r.Out);
    }

    [Fact]
    public void Signal_to_run_is_forwarded_to_the_container()
    {
        using var b = new Bundle("sh", "-c", "trap 'exit 9' TERM; echo ready > /ready; while :; do sleep 0.05; done");
        b.Save();
        var run = Task.Run(() => b.Cmd("run", "--bundle", b.Dir, b.Id));
        Assert.True(Rt.WaitFor(() => File.Exists(Path.Combine(b.Rootfs, "ready"))), "container never started");
        var runtimePid = FindRuntimeProcess(b.Id);
        Assert.True(runtimePid > 0, "cannot find the `run` process");
        Interop.Libc.Kill(runtimePid, 15);
        Assert.True(run.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(9, run.Result.Exit);
    }

    [Fact]
    public void Failing_poststart_hook_warns_and_the_next_hooks_and_the_container_go_on()
    {
        // Runtime spec: a failing poststart hook is logged; the remaining hooks run and the
        // lifecycle continues as if it had succeeded.
        using var b = new Bundle("sleep", "60");
        var marker = Path.Combine(b.Dir, "second-hook-ran");
        b.Config["hooks"] = new JsonObject
        {
            ["poststart"] = new JsonArray(
                new JsonObject { ["path"] = "/bin/false" },
                new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", $"touch {marker}") }),
        };
        b.Create().Ok();
        var pid = b.Pid();
        var r = b.Cmd("start", b.Id);
        Assert.Equal(0, r.Exit);
        Assert.Contains("poststart", r.Err);
        Assert.True(File.Exists(marker), "the hook after the failing one did not run");
        Assert.True(Rt.ProcessExists(pid));
        Assert.Equal("running", (string?)b.State()["status"]);
    }

    /// <summary>The quai-runtime process whose command line is `… run … id`.</summary>
    private static int FindRuntimeProcess(string id)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains("run") && args.Contains(id) && args[0].EndsWith("quai-runtime", StringComparison.Ordinal)) return pid;
            }
            catch (IOException) { }
        }
        return -1;
    }
}
