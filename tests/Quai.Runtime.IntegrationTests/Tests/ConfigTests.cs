using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>Fields of config.json, each observed from inside the container.</summary>
public sealed class ConfigTests
{
    private static string[] Lines(Result r) => r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Readonly_root()
    {
        using var b = new Bundle("sh", "-c", "touch /x; echo rc=$?; touch /dev/shm/y && echo shm-ok");
        b.Config["root"]!["readonly"] = true;
        var r = b.Run().Ok();
        Assert.Contains("Read-only file system", r.Err);
        Assert.Contains("rc=1", r.Out);
        Assert.Contains("shm-ok", r.Out); // mounts on top stay writable
        Assert.False(File.Exists(Path.Combine(b.Rootfs, "x")));
    }

    [Fact]
    public void Masked_paths_read_empty()
    {
        // /proc/kcore when the kernel has it (this VM's does not); files the host can read non-empty
        var files = new[] { "/proc/kcore", "/proc/keys", "/proc/timer_list" }.Where(File.Exists).ToList();
        Assert.Contains("/proc/timer_list", files);
        Assert.NotEmpty(File.ReadAllText("/proc/timer_list"));
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries("/sys/firmware"));
        using var b = new Bundle("sh", "-c", string.Concat(files.Select(f => $"head -c 100 {f} | wc -c; ")) + "ls -A /sys/firmware | wc -l; touch /sys/firmware/x 2>/dev/null || echo ro");
        var r = b.Run().Ok();
        Assert.Equal([.. Enumerable.Repeat("0", files.Count + 1), "ro"], Lines(r).Select(l => l.Trim()));
    }

    [Fact]
    public void Readonly_paths_are_not_writable()
    {
        using var b = new Bundle("sh", "-c", "echo changed > /proc/sys/kernel/hostname; echo rc=$?; hostname; echo 1 > /proc/sysrq-trigger; echo rc2=$?");
        var r = b.Run().Ok();
        Assert.Contains("rc=1", r.Out);
        Assert.Contains("quai", r.Out);
        Assert.Contains("rc2=1", r.Out);
        Assert.Contains("Read-only file system", r.Err);
    }

    [Fact]
    public void Sysctl_in_a_new_network_namespace()
    {
        var host = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();
        var want = host == "1" ? "0" : "1";
        using var b = new Bundle("cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/ping_group_range");
        b.Linux["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = want, ["net.ipv4.ping_group_range"] = "0 0" };
        var r = b.Run().Ok();
        Assert.Equal(want, Lines(r)[0]);
        Assert.Equal(["0", "0"], Lines(r)[1].Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(host, File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim());
    }

    [Fact]
    public void Rlimits()
    {
        using var b = new Bundle("sh", "-c", "ulimit -n; ulimit -Hn; ulimit -s");
        b.Process["rlimits"] = new JsonArray(
            new JsonObject { ["type"] = "RLIMIT_NOFILE", ["soft"] = 1234, ["hard"] = 2345 },
            new JsonObject { ["type"] = "RLIMIT_STACK", ["soft"] = 4096 * 1024, ["hard"] = 8192 * 1024 });
        var r = b.Run().Ok();
        Assert.Equal(["1234", "2345", "4096"], Lines(r));
    }

    [Fact]
    public void Rlimit_above_what_the_host_allows_fails_clearly()
    {
        using var b = new Bundle("true");
        b.Process["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["soft"] = 1 << 30, ["hard"] = 1 << 30 });
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("RLIMIT_NOFILE", r.Err);
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Hostname_and_domainname()
    {
        using var b = new Bundle("sh", "-c", "hostname; cat /proc/sys/kernel/domainname");
        b.Config["hostname"] = "box-1";
        b.Config["domainname"] = "it.example";
        var r = b.Run().Ok();
        Assert.Equal(["box-1", "it.example"], Lines(r));
    }

    [Fact]
    public void Device_from_the_config_appears_with_its_numbers_and_works()
    {
        using var b = new Bundle("sh", "-c", "stat -c '%F %t:%T %a %u:%g' /dev/qzero; head -c 3 /dev/qzero | od -An -tx1");
        b.Linux["devices"] = new JsonArray(new JsonObject
        {
            ["path"] = "/dev/qzero", ["type"] = "c", ["major"] = 1, ["minor"] = 5, ["fileMode"] = 438 /*0666*/, ["uid"] = 7, ["gid"] = 8,
        });
        b.Linux["resources"]!["devices"]!.AsArray().Add(new JsonObject { ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 5, ["access"] = "rw" });
        var r = b.Run().Ok();
        Assert.Equal("character special file 1:5 666 7:8", Lines(r)[0]);
        Assert.Equal("00 00 00", Lines(r)[1].Trim());
    }

    [Fact]
    public void Device_cgroup_denies_a_device_that_is_not_allowed()
    {
        using var b = new Bundle("sh", "-c", "head -c 1 /dev/qmem");
        b.Linux["devices"] = new JsonArray(new JsonObject { ["path"] = "/dev/qmem", ["type"] = "c", ["major"] = 1, ["minor"] = 1, ["fileMode"] = 384 });
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("Operation not permitted", r.Err);
    }

    [Fact]
    public void Bind_mounts_ro_rbind_and_tmpfs_options()
    {
        using var b = new Bundle("sh", "-c",
            "cat /ro/file; touch /ro/new; echo ro-rc=$?; " +
            "cat /rb/sub/inner; ls /nb/sub | wc -l; " +
            "echo hi > /rw/written; " +
            "stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo");
        var src = Path.Combine(b.Dir, "src");
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        File.WriteAllText(Path.Combine(src, "file"), "content\n");
        // a submount inside the source: rbind carries it, bind does not
        Rt.Exec(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", Path.Combine(src, "sub")]).Ok();
        b.OnDispose(() => Rt.Exec(["umount", "-l", Path.Combine(src, "sub")]));
        File.WriteAllText(Path.Combine(src, "sub", "inner"), "from-submount\n");
        var rw = Path.Combine(b.Dir, "rw");
        Directory.CreateDirectory(rw);
        b.AddMount("/ro", "bind", src, "bind", "ro");
        b.AddMount("/rb", "bind", src, "rbind");
        b.AddMount("/nb", "bind", src, "bind");
        b.AddMount("/rw", "bind", rw, "rbind", "rw");
        b.AddMount("/scratch", "tmpfs", "tmpfs", "mode=1777", "size=2m", "nosuid", "nodev");
        var r = b.Run().Ok();
        var lines = Lines(r);
        Assert.Equal("content", lines[0]);
        Assert.Equal("ro-rc=1", lines[1]);
        Assert.Equal("from-submount", lines[2]);
        Assert.Equal("0", lines[3].Trim());
        Assert.Equal("hi\n", File.ReadAllText(Path.Combine(rw, "written")));
        Assert.Equal("1777", lines[4]);
        Assert.Contains("tmpfs", lines[5]);
        Assert.Contains("nosuid", lines[5]);
        Assert.Contains("nodev", lines[5]);
        Assert.Contains("size=2048k", lines[5]);
        Assert.False(File.Exists(Path.Combine(src, "new")));
        Assert.Empty(Rt.HostMountsMentioning(b.Rootfs));
    }

    [Fact]
    public void Time_namespace_offsets_shift_uptime()
    {
        const long offset = 1_000_000;
        using var b = new Bundle("cat", "/proc/uptime");
        b.Namespaces.Add(new JsonObject { ["type"] = "time" });
        b.Linux["timeOffsets"] = new JsonObject
        {
            ["boottime"] = new JsonObject { ["secs"] = offset, ["nanosecs"] = 0 },
            ["monotonic"] = new JsonObject { ["secs"] = offset, ["nanosecs"] = 0 },
        };
        var before = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var r = b.Run().Ok();
        var inside = double.Parse(r.Out.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var after = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(inside, before + offset - 1, after + offset + 1);
    }

    [Fact]
    public void Default_devices_and_links()
    {
        using var b = new Bundle("sh", "-c",
            "for d in null zero full random urandom tty; do stat -c '%n %t:%T' /dev/$d; done; readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdin; echo x > /dev/null && echo null-ok");
        var r = b.Run().Ok();
        Assert.Equal(["/dev/null 1:3", "/dev/zero 1:5", "/dev/full 1:7", "/dev/random 1:8", "/dev/urandom 1:9", "/dev/tty 5:0",
            "pts/ptmx", "/proc/self/fd", "/proc/self/fd/0", "null-ok"], Lines(r));
    }

    [Fact]
    public void No_pivot_still_jails_the_process_in_the_rootfs()
    {
        using var b = new Bundle("sh", "-c", "ls /; test -e /bin/busybox && echo jailed");
        File.WriteAllText(Path.Combine(b.Rootfs, "root-marker"), "");
        var r = b.Run("--no-pivot").Ok();
        Assert.Contains("root-marker", r.Out);
        Assert.Contains("jailed", r.Out);
        Assert.DoesNotContain("work", r.Out.Split('\n'));
    }

    [Fact]
    public void OomScoreAdj()
    {
        using var b = new Bundle("cat", "/proc/self/oom_score_adj");
        b.Process["oomScoreAdj"] = 123;
        Assert.Equal("123", b.Run().Ok().Out.Trim());
    }

    [Fact]
    public void Env_cwd_user_and_additional_groups_of_the_process()
    {
        using var b = new Bundle("sh", "-c", "echo $GREETING; pwd; id -u; id -G");
        b.Process["env"]!.AsArray().Add("GREETING=hello");
        b.Process["cwd"] = "/tmp";
        b.Process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000, ["additionalGids"] = new JsonArray(5, 6) };
        var r = b.Run().Ok();
        Assert.Equal(["hello", "/tmp", "1000", "1000 5 6"], Lines(r));
    }

    [Fact]
    public void No_new_privileges_and_capabilities_are_applied()
    {
        using var b = new Bundle("sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status");
        var r = b.Run().Ok();
        var map = Lines(r).Select(l => l.Split(':')).ToDictionary(f => f[0], f => f[1].Trim());
        Assert.Equal("1", map["NoNewPrivs"]);
        // CAP_KILL(5) | CAP_NET_BIND_SERVICE(10) | CAP_AUDIT_WRITE(29)
        Assert.Equal("0000000020000420", map["CapEff"]);
        Assert.Equal("0000000020000420", map["CapBnd"]);
    }
}
