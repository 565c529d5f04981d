using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>Regressions of the hardening review: validation that reaches the host, privileges and
/// signals the container's process starts with, and what `create`/`start` promise.</summary>
public sealed class TrustTests
{
    private static readonly string[] AsNobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"];

    private static void AssertNoTrace(Bundle b, string? id = null)
    {
        id ??= b.Id;
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, id)), "state directory left");
        Assert.False(File.Exists(Path.Combine(b.StateRoot, ".locks", id)), "lock file left");
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
    }

    [Fact]
    public void Host_global_sysctls_are_refused_and_never_written()
    {
        var before = File.ReadAllText("/proc/sys/kernel/core_pattern");
        using var b = new Bundle("true");
        b.Linux["sysctl"] = new JsonObject { ["kernel.core_pattern"] = "|/bin/sh -c 'touch /tmp/pwned'" };
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("kernel.core_pattern", r.Err);
        Assert.Equal(before, File.ReadAllText("/proc/sys/kernel/core_pattern"));
        AssertNoTrace(b);
    }

    [Fact]
    public void Network_sysctls_need_a_private_network_namespace()
    {
        using var host = new Bundle("true");
        host.RemoveNamespace("network");
        host.Linux["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" };
        var r = host.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("net.ipv4.ip_forward", r.Err);

        using var joined = new Bundle("true");
        joined.Namespaces.Where(n => (string?)n!["type"] == "network").Single()!["path"] = $"/proc/{Environment.ProcessId}/ns/net";
        joined.Linux["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" };
        Assert.Contains("network namespace", joined.Run().Err);

        using var own = new Bundle("cat", "/proc/sys/net/ipv4/ip_forward");
        own.Linux["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" };
        Assert.Equal("1", own.Run().Ok().Out.Trim());
    }

    [Theory]
    [InlineData("uid")]
    [InlineData("gid")]
    public void Ids_above_int32_are_refused(string field)
    {
        // 4294967295 is (uid_t)-1 to setresuid: "no change", so the process would stay root.
        using var b = new Bundle("id", "-u");
        b.Process["user"]![field] = 4294967295L;
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("out of range", r.Err);
        AssertNoTrace(b);
    }

    [Fact]
    public void A_process_without_a_capabilities_section_has_none()
    {
        using var b = new Bundle("grep", "^Cap", "/proc/self/status");
        b.Process.Remove("capabilities");
        var lines = b.Run().Ok().Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
            Assert.Contains(lines, l => l.StartsWith(set + ":", StringComparison.Ordinal) && l.EndsWith("0000000000000000", StringComparison.Ordinal));
    }

    [Fact]
    public void More_than_256_supplementary_groups_are_all_set_and_too_many_refused()
    {
        using var b = new Bundle("sh", "-c", "id -G | wc -w");
        b.Process["user"]!["additionalGids"] = new JsonArray(Enumerable.Range(1000, 300).Select(g => (JsonNode)g).ToArray());
        Assert.Equal("301", b.Run().Ok().Out.Trim()); // the primary group and the 300

        using var many = new Bundle("true");
        many.Process["user"]!["additionalGids"] = new JsonArray(Enumerable.Range(1, 65537).Select(g => (JsonNode)g).ToArray());
        var r = many.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("additionalGids", r.Err);
    }

    [Fact]
    public void The_program_starts_with_default_signal_dispositions_and_an_empty_mask()
    {
        using var b = new Bundle("grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status");
        var lines = b.Run().Ok().Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.EndsWith("0000000000000000", l));
    }

    [Fact]
    public void Create_fails_for_a_program_that_cannot_be_executed()
    {
        using var b = new Bundle("/etc/passwd");
        var r = b.Create();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("permission denied", r.Err);
        AssertNoTrace(b);
    }

    [Fact]
    public void Create_fails_for_a_capability_the_host_lacks()
    {
        // The runtime runs without CAP_SYS_TIME in its bounding set: asking for it cannot work.
        using var b = new Bundle("true");
        b.Prefix.AddRange(["setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time"]);
        b.Process["capabilities"] = new JsonObject
        {
            ["bounding"] = new JsonArray("CAP_SYS_TIME"), ["permitted"] = new JsonArray("CAP_SYS_TIME"),
            ["effective"] = new JsonArray("CAP_SYS_TIME"),
        };
        var r = b.Create();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("CAP_SYS_TIME", r.Err);
        AssertNoTrace(b);
    }

    [Fact]
    public void Start_returns_once_the_program_runs()
    {
        for (var i = 0; i < 10; i++)
        {
            using var b = new Bundle("sleep", "60");
            b.Create().Ok();
            var pid = b.Pid();
            b.Cmd("start", b.Id).Ok();
            Assert.Equal("sleep", File.ReadAllText($"/proc/{pid}/comm").Trim());
        }
    }

    [Fact]
    public void Start_fails_when_the_program_vanished_after_create()
    {
        using var b = new Bundle("/bin/tool");
        File.Copy(Path.Combine(b.Rootfs, "bin", "busybox"), Path.Combine(b.Rootfs, "bin", "tool"));
        b.Create().Ok();
        File.Delete(Path.Combine(b.Rootfs, "bin", "tool"));
        var r = b.Cmd("start", b.Id);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("/bin/tool", r.Err);
        Assert.True(b.WaitStopped());
    }

    [Fact]
    public void A_stray_writer_of_exec_fifo_neither_spins_the_init_nor_starts_it()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        // The init is the fifo's writer: another writer finds no reader (it used to find the init,
        // and the init then spun at ~90% CPU once that writer closed).
        var fd = Quai.Interop.Libc.Open(Path.Combine(b.StateRoot, b.Id, "exec.fifo"), Quai.Interop.O.WRONLY | Quai.Interop.O.NONBLOCK | Quai.Interop.O.CLOEXEC, 0);
        if (fd >= 0) Quai.Interop.Libc.Close(fd);
        var before = CpuTicks(pid);
        Thread.Sleep(1000);
        Assert.True(CpuTicks(pid) - before < 10, "the init burns CPU after a writer came and went");
        Assert.Equal("created", (string?)b.State()["status"]);
        b.Cmd("start", b.Id).Ok();
        Assert.Equal("running", (string?)b.State()["status"]);
    }

    private static long CpuTicks(int pid)
    {
        var f = File.ReadAllText($"/proc/{pid}/stat");
        var rest = f[(f.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(rest[11]) + long.Parse(rest[12]);
    }

    [Theory]
    [InlineData("runtime.start.opened")]
    [InlineData("runtime.start.unlinked")]
    public void A_start_killed_midway_never_leaves_a_running_container_that_does_not_run(string point)
    {
        for (var i = 0; i < 5; i++)
        {
            using var b = new Bundle("sleep", "60");
            b.Create().Ok();
            var pid = b.Pid();
            b.Env["QUAI_FAULT"] = point;
            Assert.Equal(137, b.Cmd("start", b.Id).Exit);
            b.Env.Remove("QUAI_FAULT");
            // Either it was released and runs the program, or it is stopped/created: never an
            // init that is "running" but still waiting.
            Assert.True(Rt.WaitFor(() =>
            {
                var status = (string?)b.State()["status"];
                var runsProgram = Rt.ProcessExists(pid) && File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep";
                return status == "stopped" || status == "created" && !runsProgram || status == "running" && runsProgram;
            }, TimeSpan.FromSeconds(5)), $"state after a start killed at {point}: {b.State()}");
        }
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    [InlineData("HUP")]
    public void A_created_container_stops_on_a_termination_signal(string signal)
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        b.Cmd("kill", b.Id, signal).Ok();
        Assert.True(b.WaitStopped(timeout: TimeSpan.FromSeconds(5)), $"created container ignored SIG{signal}");
    }

    [Fact]
    public void A_read_only_dev_tmpfs_is_populated_first()
    {
        using var b = new Bundle("sh", "-c", "ls /dev/null /dev/zero && ! touch /dev/x 2>/dev/null && echo ro");
        var mounts = b.Config["mounts"]!.AsArray();
        var dev = mounts.Single(m => (string?)m!["destination"] == "/dev")!;
        dev["options"]!.AsArray().Add("ro");
        Assert.Contains("ro", b.Run().Ok().Out);
    }

    [Fact]
    public void A_missing_cwd_is_created()
    {
        using var b = new Bundle("pwd");
        b.Process["cwd"] = "/srv/app/work";
        Assert.Equal("/srv/app/work", b.Run().Ok().Out.Trim());
    }

    [Fact]
    public void Unbindable_rootfs_propagation_works()
    {
        using var b = new Bundle("true");
        b.Linux["rootfsPropagation"] = "unbindable";
        b.Run().Ok();
    }

    [Fact]
    public void A_mount_label_without_selinux_is_ignored_with_a_warning()
    {
        using var b = new Bundle("true");
        b.Linux["mountLabel"] = "system_u:object_r:container_file_t:s0";
        var r = b.Run().Ok();
        Assert.Contains("mountLabel", r.Err);
    }

    [Fact]
    public void Exec_joins_a_host_network_namespace_from_its_own_user_namespace()
    {
        using var b = new Bundle("sleep", "60");
        b.Namespaces.Add(new JsonObject { ["type"] = "user" });
        b.Namespaces.Where(n => (string?)n!["type"] == "network").Single()!["path"] = $"/proc/{Environment.ProcessId}/ns/net";
        b.Linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        b.Linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 100000, ["size"] = 65536 });
        Rt.Exec(["chown", "-R", "100000:100000", b.Rootfs]).Ok();
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        Assert.Equal("0", b.Cmd("exec", b.Id, "id", "-u").Ok().Out.Trim());
    }

    [Fact]
    public void Errors_of_the_namespace_stage_say_the_errno()
    {
        using var b = new Bundle("true");
        var notANamespace = Path.Combine(b.Dir, "not-a-namespace");
        File.WriteAllText(notANamespace, "");
        b.Namespaces.Where(n => (string?)n!["type"] == "uts").Single()!["path"] = notANamespace;
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains(notANamespace, r.Err);
        Assert.Contains("invalid argument", r.Err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Hooks_and_the_init_get_no_inherited_descriptor()
    {
        // The caller leaks fd 7 (not close-on-exec) into quai-runtime; a prestart hook (host side)
        // and the container's program must not have it.
        using var b = new Bundle("ls", "/proc/self/fd");
        var hookOut = Path.Combine(b.Dir, "hook-fds");
        b.Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", $"exec ls /proc/self/fd > {hookOut}") }),
        };
        b.Save();
        var r = Rt.Exec(["sh", "-c", $"exec 7>/dev/null; exec \"$0\" --root {b.StateRoot} run --bundle {b.Dir} {b.Id}", Rt.Bin]).Ok();
        Assert.DoesNotContain("7", r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var hookFds = File.ReadAllText(hookOut).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // ls itself: 0-2 and the directory it reads
        Assert.Equal(["0", "1", "2", "3"], hookFds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_init_is_not_dumpable_until_it_execs()
    {
        // Rootless: the init runs as host uid 65534. Another process of that uid could read its
        // environment and descriptors if it were dumpable (CVE-2016-9962).
        using var b = RootlessTests.RootlessBundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        var r = Rt.Exec([.. AsNobody, "cat", $"/proc/{pid}/environ"]);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("Permission denied", r.Err);
        b.Cmd("start", b.Id).Ok();
        // once it runs the user's program it is an ordinary process of that user again
        Rt.Exec([.. AsNobody, "cat", $"/proc/{pid}/environ"]).Ok();
    }

    [Theory]
    [InlineData("runtime.create.dir")]
    [InlineData("runtime.create.recorded")]
    [InlineData("runtime.create.cgroup")]
    [InlineData("runtime.create.launched")]
    public void A_create_killed_at_any_step_is_cleaned_by_delete_force(string point)
    {
        using var b = new Bundle("sleep", "60");
        b.Save();
        var r = Rt.Runtime(["--root", b.StateRoot, "create", "--bundle", b.Dir, b.Id], env: new Dictionary<string, string> { ["QUAI_FAULT"] = point });
        Assert.Equal(137, r.Exit);
        b.Cmd("delete", "--force", b.Id).Ok();
        AssertNoTrace(b);
        Assert.Empty(Rt.HostMountsMentioning(b.Dir));
        // the id is free again
        b.Create().Ok();
        b.Cmd("delete", "--force", b.Id).Ok();
        AssertNoTrace(b);
    }

    [Theory]
    [InlineData("runtime.create.recorded")]
    [InlineData("runtime.create.cgroup")]
    public void Kill_all_of_a_container_whose_init_never_ran_signals_no_one_else(string point)
    {
        // The record of a create killed before its launch names no init (pid 0): kill(0, SIGKILL)
        // would take the caller's whole process group with it (this once ended a CI run).
        using var b = new Bundle("sleep", "60");
        b.Save();
        var r = Rt.Runtime(["--root", b.StateRoot, "create", "--bundle", b.Dir, b.Id], env: new Dictionary<string, string> { ["QUAI_FAULT"] = point });
        Assert.Equal(137, r.Exit);
        try
        {
            // setsid: a process group of its own, shared by the shell and the runtime it runs
            var group = Rt.Exec(["setsid", "--wait", "sh", "-c",
                $"'{Rt.Bin}' --root '{b.StateRoot}' kill --all {b.Id} KILL; echo kill=$?; '{Rt.Bin}' --root '{b.StateRoot}' kill {b.Id} KILL; echo plain=$?"]);
            Assert.Contains("kill=0", group.Out);
            Assert.Contains("plain=1", group.Out);
            Assert.Contains("not running", group.Err);
        }
        finally { b.Cmd("delete", "--force", b.Id); }
        AssertNoTrace(b);
    }

    [Fact]
    public void Deleting_a_container_that_shares_its_cgroup_spares_the_other()
    {
        using var a = new Bundle("sleep", "60");
        a.Create().Ok();
        a.Cmd("start", a.Id).Ok();
        var aPid = a.Pid();
        using var b = new Bundle("sleep", "60");
        b.Linux["cgroupsPath"] = a.CgroupsPath;
        var r = b.Create().Ok();
        Assert.Contains("not empty", r.Err);
        b.Cmd("start", b.Id).Ok();
        b.Cmd("delete", "--force", b.Id).Ok();
        Assert.True(Rt.ProcessExists(aPid), "deleting the second container killed the first");
        Assert.NotEmpty(Rt.CgroupDirs(a.CgroupsPath));
    }
}
