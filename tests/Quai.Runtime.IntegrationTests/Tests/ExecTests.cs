using System.Text.Json;
using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>exec and the other verbs on one running container.</summary>
public sealed class ExecTests : IDisposable
{
    private readonly Bundle _b;

    public ExecTests()
    {
        _b = new Bundle("sleep", "120");
        Directory.CreateDirectory(Path.Combine(_b.Rootfs, "work"));
        _b.Create().Ok();
        _b.Cmd("start", _b.Id).Ok();
    }

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Exec_runs_in_the_containers_namespaces_and_returns_its_status()
    {
        var r = _b.Cmd("exec", _b.Id, "sh", "-c", "hostname; readlink /proc/1/exe; exit 5");
        Assert.Equal(5, r.Exit);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("quai", lines[0]);
        Assert.Equal("/bin/busybox", lines[1]); // pid 1 is the container's sleep
        var initPid = _b.Pid();
        var r2 = _b.Cmd("exec", _b.Id, "readlink", "/proc/self/ns/pid").Ok();
        Assert.Equal(new FileInfo($"/proc/{initPid}/ns/pid").LinkTarget, r2.Out.Trim());
    }

    [Fact]
    public void Exec_with_env_cwd_user()
    {
        var r = _b.Cmd("exec", "--env", "FOO=bar", "--env", "X=1", "--cwd", "/work", "--user", "1000:1001", _b.Id,
            "sh", "-c", "echo $FOO $X; pwd; id -u; id -g").Ok();
        Assert.Equal(["bar 1", "/work", "1000", "1001"], r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Exec_with_cap_adds_the_capability()
    {
        var without = _b.Cmd("exec", _b.Id, "sh", "-c", "touch /c1 && chown 55 /c1");
        Assert.NotEqual(0, without.Exit);
        var with = _b.Cmd("exec", "--cap", "CAP_CHOWN", _b.Id, "sh", "-c", "touch /c2 && chown 55 /c2 && grep CapBnd /proc/self/status").Ok();
        Assert.Equal(55u, new StatLite(Path.Combine(_b.Rootfs, "c2")).Uid);
    }

    [Fact]
    public void Exec_with_a_process_file()
    {
        var process = new JsonObject
        {
            ["terminal"] = false, ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
            ["args"] = new JsonArray("sh", "-c", "echo $MODE; pwd"), ["env"] = new JsonArray("PATH=/bin", "MODE=from-file"),
            ["cwd"] = "/tmp",
        };
        var file = Path.Combine(_b.Dir, "process.json");
        File.WriteAllText(file, process.ToJsonString());
        var r = _b.Cmd("exec", "--process", file, _b.Id).Ok();
        Assert.Equal("from-file\n/tmp\n", r.Out);
    }

    [Fact]
    public void Exec_detached_writes_the_pid_file()
    {
        var pidFile = Path.Combine(_b.Dir, "exec.pid");
        _b.Cmd("exec", "-d", "--pid-file", pidFile, _b.Id, "sleep", "60").Ok();
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(Rt.ProcessExists(pid));
        Assert.Equal("sleep", File.ReadAllText($"/proc/{pid}/comm").Trim());
        var pids = JsonSerializer.Deserialize<List<int>>(_b.Cmd("ps", "--format", "json", _b.Id).Ok().Out)!;
        Assert.Contains(pid, pids);
        Assert.Contains(_b.Pid(), pids);
        Interop.Libc.Kill(pid, 9);
    }

    [Fact]
    public void Exec_of_a_missing_program_fails_clearly()
    {
        var r = _b.Cmd("exec", _b.Id, "/no/such/program");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("/no/such/program", r.Err);
    }

    [Fact]
    public void Pause_and_resume()
    {
        _b.Cmd("pause", _b.Id).Ok();
        try
        {
            Assert.Equal("paused", (string?)_b.State()["status"]);
            Assert.Equal("FROZEN", File.ReadAllText(Rt.CgroupFile("freezer", _b.CgroupsPath, "freezer.state")).Trim());
            var exec = _b.Cmd("exec", _b.Id, "true");
            Assert.NotEqual(0, exec.Exit);
            Assert.Contains("paused", exec.Err);
        }
        finally { _b.Cmd("resume", _b.Id).Ok(); }
        Assert.Equal("running", (string?)_b.State()["status"]);
        Assert.Equal("THAWED", File.ReadAllText(Rt.CgroupFile("freezer", _b.CgroupsPath, "freezer.state")).Trim());
        _b.Cmd("exec", _b.Id, "true").Ok();
    }

    [Fact]
    public void Update_changes_the_pids_limit()
    {
        var file = Rt.CgroupFile("pids", _b.CgroupsPath, "pids.max");
        _b.Cmd("update", "--pids-limit", "42", _b.Id).Ok();
        Assert.Equal("42", File.ReadAllText(file).Trim());
        var res = Path.Combine(_b.Dir, "res.json");
        File.WriteAllText(res, "{\"pids\":{\"limit\":43}}");
        _b.Cmd("update", "-r", res, _b.Id).Ok();
        Assert.Equal("43", File.ReadAllText(file).Trim());
        var stats = Rt.ParseObject(_b.Cmd("events", "--stats", _b.Id).Ok().Out);
        Assert.Equal(43, (int)stats["data"]!["pids"]!["limit"]!);
    }

    [Fact]
    public void Update_takes_runcs_cpu_share_flag()
    {
        // runc spells it --cpu-share; --cpu-shares is accepted too.
        var file = Rt.CgroupFile("cpu", _b.CgroupsPath, "cpu.shares");
        _b.Cmd("update", "--cpu-share", "512", _b.Id).Ok();
        Assert.Equal("512", File.ReadAllText(file).Trim());
        _b.Cmd("update", "--cpu-shares", "256", _b.Id).Ok();
        Assert.Equal("256", File.ReadAllText(file).Trim());
    }

    [Fact]
    public void Events_stats_is_one_json_object()
    {
        var r = _b.Cmd("events", "--stats", _b.Id).Ok();
        Assert.Single(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var e = Rt.ParseObject(r.Out);
        Assert.Equal("stats", (string?)e["type"]);
        Assert.Equal(_b.Id, (string?)e["id"]);
        Assert.True((long)e["data"]!["pids"]!["current"]! >= 1);
        Assert.True((long)e["data"]!["memory"]!["usage"]!["usage"]! > 0);
        Assert.True((long)e["data"]!["cpu"]!["usage"]!["total"]! > 0);
    }

    [Fact]
    public void Ps_table_lists_the_init()
    {
        var r = _b.Cmd("ps", _b.Id).Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("PID", lines[0]);
        Assert.Contains(lines.Skip(1), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(_b.Pid().ToString()));
    }

    [Fact]
    public void List_shows_the_container()
    {
        var q = _b.Cmd("list", "-q").Ok();
        Assert.Equal(_b.Id + "\n", q.Out);
        var json = JsonNode.Parse(_b.Cmd("list", "--format", "json").Ok().Out)!.AsArray();
        var c = Assert.Single(json)!;
        Assert.Equal(_b.Id, (string?)c["id"]);
        Assert.Equal("running", (string?)c["status"]);
        Assert.Equal(_b.Pid(), (int)c["pid"]!);
        Assert.Equal(_b.Dir, (string?)c["bundle"]);
        var table = _b.Cmd("list").Ok().Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", table[0]);
        Assert.StartsWith(_b.Id, table[1]);
    }
}

public sealed class CliInfoTests
{
    [Fact]
    public void Spec_writes_a_runnable_config_and_refuses_to_overwrite()
    {
        var dir = Path.Combine(Rt.Scratch, "spec-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            Rt.Runtime(["spec", "--bundle", dir]).Ok();
            var c = Rt.ParseObject(File.ReadAllText(Path.Combine(dir, "config.json")));
            Assert.StartsWith("1.", (string?)c["ociVersion"]);
            Assert.Equal("rootfs", (string?)c["root"]!["path"]);
            Assert.Contains(c["linux"]!["namespaces"]!.AsArray(), n => (string?)n!["type"] == "pid");
            var again = Rt.Runtime(["spec", "--bundle", dir]);
            Assert.NotEqual(0, again.Exit);
            Assert.Contains("exists", again.Err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Spec_rootless_has_a_user_namespace_and_no_cgroups()
    {
        var dir = Path.Combine(Rt.Scratch, "spec-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            Rt.Runtime(["spec", "--rootless", "--bundle", dir]).Ok();
            var c = Rt.ParseObject(File.ReadAllText(Path.Combine(dir, "config.json")));
            Assert.Contains(c["linux"]!["namespaces"]!.AsArray(), n => (string?)n!["type"] == "user");
            Assert.NotEmpty(c["linux"]!["uidMappings"]!.AsArray());
            Assert.DoesNotContain(c["linux"]!["namespaces"]!.AsArray(), n => (string?)n!["type"] == "network");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Features_lists_namespaces_capabilities_and_seccomp()
    {
        var f = Rt.ParseObject(Rt.Runtime(["features"]).Ok().Out);
        Assert.StartsWith("1.", (string?)f["ociVersionMin"]);
        var ns = f["linux"]!["namespaces"]!.AsArray().Select(n => (string?)n).ToList();
        foreach (var t in new[] { "pid", "network", "mount", "uts", "ipc", "user", "cgroup" }) Assert.Contains(t, ns);
        Assert.Contains("CAP_SYS_ADMIN", f["linux"]!["capabilities"]!.AsArray().Select(n => (string?)n));
        Assert.True((bool)f["linux"]!["seccomp"]!["enabled"]!);
        Assert.Contains("prestart", f["hooks"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public void List_with_an_empty_root()
    {
        var root = Path.Combine(Rt.Scratch, "empty-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Assert.Equal("", Rt.Runtime(["--root", root, "list", "-q"]).Ok().Out);
            Assert.Equal("null", Rt.Runtime(["--root", root, "list", "--format", "json"]).Ok().Out.Trim());
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }
}
