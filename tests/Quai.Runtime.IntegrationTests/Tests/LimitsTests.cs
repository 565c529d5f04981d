using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class MemoryLimitTests
{
    private const long Limit = 32L << 20;

    private static void SetMemory(Bundle b)
    {
        var memory = new JsonObject { ["limit"] = Limit };
        if (File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) memory["swap"] = Limit;
        b.Linux["resources"] = new JsonObject { ["memory"] = memory };
    }

    [Fact]
    public void Over_the_limit_the_process_is_oom_killed_and_counted()
    {
        using var b = new Bundle("sh", "-c", "tail /dev/zero; echo $? > /oom-status; exec sleep 60");
        SetMemory(b);
        b.Create().Ok();
        Assert.Equal(Limit.ToString(), File.ReadAllText(Rt.CgroupFile("memory", b.CgroupsPath, "memory.limit_in_bytes")).Trim());
        b.Cmd("start", b.Id).Ok();
        var status = Path.Combine(b.Rootfs, "oom-status");
        Assert.True(Rt.WaitFor(() => File.Exists(status) && File.ReadAllText(status).Length > 0, TimeSpan.FromSeconds(20)), "tail was never OOM-killed");
        Assert.Equal("137", File.ReadAllText(status).Trim()); // 128 + SIGKILL
        var oomControl = File.ReadAllLines(Rt.CgroupFile("memory", b.CgroupsPath, "memory.oom_control"));
        var kills = oomControl.Select(l => l.Split(' ')).Single(f => f[0] == "oom_kill")[1];
        Assert.True(long.Parse(kills) >= 1, string.Join('\n', oomControl));
        var stats = Rt.ParseObject(b.Cmd("events", "--stats", b.Id).Ok().Out);
        Assert.Equal("stats", (string?)stats["type"]);
        Assert.Equal(Limit, (long)stats["data"]!["memory"]!["usage"]!["limit"]!);
        // the usage peaked at the limit (failcnt stays 0 on this kernel, for runc too)
        Assert.True((long)stats["data"]!["memory"]!["usage"]!["max"]! >= Limit - (1 << 20));
    }

    [Fact]
    public void Run_of_an_oom_killed_init_exits_137()
    {
        using var b = new Bundle("tail", "/dev/zero");
        SetMemory(b);
        var r = b.Run();
        Assert.Equal(137, r.Exit);
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
    }
}

public sealed class PidsLimitTests
{
    [Fact]
    public void Fork_bomb_stops_at_pids_max()
    {
        // Bounded on purpose (this machine is shared): 60 forks against a limit of 10.
        // The shell running the loop dies of its first failed fork ("can't fork"); the init then
        // reports and keeps the pids it holds.
        using var b = new Bundle("sh", "-c", "sh /bomb.sh 2>/fork.err; echo done > /forked; exec sleep 60");
        File.WriteAllText(Path.Combine(b.Rootfs, "bomb.sh"), "i=0; while [ $i -lt 60 ]; do sleep 60 & i=$((i+1)); done\n");
        b.Linux["resources"] = new JsonObject { ["pids"] = new JsonObject { ["limit"] = 10 } };
        b.Create().Ok();
        Assert.Equal("10", File.ReadAllText(Rt.CgroupFile("pids", b.CgroupsPath, "pids.max")).Trim());
        b.Cmd("start", b.Id).Ok();
        Assert.True(Rt.WaitFor(() => File.Exists(Path.Combine(b.Rootfs, "forked")), TimeSpan.FromSeconds(20)));
        var current = int.Parse(File.ReadAllText(Rt.CgroupFile("pids", b.CgroupsPath, "pids.current")).Trim());
        Assert.InRange(current, 8, 10);
        Assert.Contains("fork", File.ReadAllText(Path.Combine(b.Rootfs, "fork.err")));
        var events = File.ReadAllText(Rt.CgroupFile("pids", b.CgroupsPath, "pids.events")).Trim().Split(' ');
        Assert.True(long.Parse(events[1]) > 0, "pids.events shows no refused fork");
        var ps = System.Text.Json.JsonSerializer.Deserialize<int[]>(b.Cmd("ps", "--format", "json", b.Id).Ok().Out)!;
        Assert.InRange(ps.Length, 8, 10);
    }
}

public sealed class CpuQuotaTests
{
    [Fact]
    public void Cpu_quota_throttles()
    {
        using var b = new Bundle("sh", "-c", "while :; do :; done");
        b.Linux["resources"] = new JsonObject { ["cpu"] = new JsonObject { ["quota"] = 10000, ["period"] = 100000 } };
        b.Create().Ok();
        Assert.Equal("10000", File.ReadAllText(Rt.CgroupFile("cpu", b.CgroupsPath, "cpu.cfs_quota_us")).Trim());
        b.Cmd("start", b.Id).Ok();
        JsonNode? throttling = null;
        Assert.True(Rt.WaitFor(() =>
        {
            var s = Rt.ParseObject(b.Cmd("events", "--stats", b.Id).Ok().Out);
            throttling = s["data"]!["cpu"]!["throttling"];
            return throttling?["throttledPeriods"] is { } t && (long)t > 0;
        }, TimeSpan.FromSeconds(5)), $"no throttled periods: {throttling}");
        // 10% of one cpu: over several periods the shell got far less than a full cpu
        var usage = long.Parse(File.ReadAllText(Rt.CgroupFile("cpuacct", b.CgroupsPath, "cpuacct.usage")).Trim());
        var periods = (long)throttling!["periods"]!;
        Assert.True(usage <= (periods + 2) * 12_000_000L, $"usage {usage}ns over {periods} periods exceeds the 10ms quota");
    }
}
