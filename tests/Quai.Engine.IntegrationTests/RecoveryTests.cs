using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

/// <summary>What happens when a monitor dies (or the host reboots), and `system restore`.</summary>
public sealed class RecoveryTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private static void KillHard(int pid)
    {
        try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
    }

    [Fact]
    public void KilledMonitor_ContainerIsShownExited_AndCleanedUp()
    {
        var name = QuaiHost.Unique("mon");
        try
        {
            q.Ok("run", "-d", "--name", name, "bb", "sleep", "60");
            var monitor = int.Parse(q.Inspect(name, "{{.Quai.MonitorPid}}"));
            var init = int.Parse(q.Inspect(name, "{{.State.Pid}}"));
            KillHard(monitor);
            Assert.True(QuaiHost.Eventually(() => q.Inspect(name, "{{.State.Status}}") == "exited", TimeSpan.FromSeconds(10)));
            Assert.Equal("255", q.Inspect(name, "{{.State.ExitCode}}"));
            Assert.True(QuaiHost.Eventually(() => !Directory.Exists($"/proc/{init}") || File.ReadAllText($"/proc/{init}/stat").Split(' ')[2] == "Z", TimeSpan.FromSeconds(5)), "container process survived its monitor");
            Assert.Empty(q.LeftoverMounts());
            q.Ok("start", name); // and it can run again
            Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void SystemRestore_RestartsAlwaysAndUnlessStopped_NotStoppedOnes()
    {
        var always = QuaiHost.Unique("alw");
        var unless = QuaiHost.Unique("uns");
        var stopped = QuaiHost.Unique("sto");
        var none = QuaiHost.Unique("non");
        try
        {
            foreach (var (n, policy) in new[] { (always, "always"), (unless, "unless-stopped"), (stopped, "unless-stopped"), (none, "no") })
                q.Ok("run", "-d", "--name", n, "--restart", policy, "bb", "sleep", "60");
            q.Ok("stop", "-t", "0", stopped);
            // a "reboot": every monitor and container process dies at once
            foreach (var n in new[] { always, unless, none })
            {
                var monitor = int.Parse(q.Inspect(n, "{{.Quai.MonitorPid}}"));
                var init = int.Parse(q.Inspect(n, "{{.State.Pid}}"));
                KillHard(monitor);
                KillHard(init);
            }
            Thread.Sleep(200);
            var restored = q.Ok("system", "restore").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, restored.Length);
            Assert.Equal("running", q.Inspect(always, "{{.State.Status}}"));
            Assert.Equal("running", q.Inspect(unless, "{{.State.Status}}"));
            Assert.Equal("exited", q.Inspect(stopped, "{{.State.Status}}"));
            Assert.Equal("exited", q.Inspect(none, "{{.State.Status}}"));
        }
        finally { q.Run("rm", "-f", always, unless, stopped, none); }
    }
}

public sealed class CommandTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void Ps_FormatsFiltersAndFlags()
    {
        var a = QuaiHost.Unique("psa");
        var b = QuaiHost.Unique("psb");
        try
        {
            var ida = q.Ok("run", "-d", "--name", a, "-l", "tier=web", "bb", "sleep", "60");
            var idb = q.Ok("create", "--name", b, "bb", "true");
            var table = q.Ok("ps").Split('\n');
            Assert.Matches(@"^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$", table[0]);
            Assert.Contains(table, l => l.StartsWith(ida[..12]) && l.Contains("\"sleep 60\"") && l.Contains("Up ") && l.EndsWith(a));
            Assert.DoesNotContain(table, l => l.Contains(b));
            Assert.Contains(b, q.Ok("ps", "-a"));
            Assert.Equal(idb[..12], q.Ok("ps", "-lq"));
            Assert.Equal(ida, q.Ok("ps", "-q", "--no-trunc", "--filter", "label=tier=web"));
            Assert.Equal(b + " created", q.Ok("ps", "-a", "--filter", "status=created", "--filter", "name=" + b, "--format", "{{.Names}} {{.State}}"));
            Assert.StartsWith("{\"Command\":", q.Ok("ps", "--filter", "id=" + ida, "--format", "json"));
            q.Ok("rm", b);
            q.Ok("restart", "-t", "0", a);
            Assert.Equal("running", q.Inspect(a, "{{.State.Status}}"));
            q.Ok("kill", "-s", "KILL", a);
            Assert.Equal("exited 137", q.Inspect(a, "{{.State.Status}} {{.State.ExitCode}}"));
            Assert.Equal("137", q.Ok("wait", a));
            Assert.Contains(ida, q.Ok("container", "prune", "-f"));
        }
        finally { q.Run("rm", "-f", a, b); }
    }

    [Fact]
    public void Tty_RunAndExec()
    {
        var run = q.Run("run", "--rm", "-t", "bb", "sh", "-c", "tty; echo $TERM");
        Assert.Equal(0, run.Code);
        Assert.Matches(@"^/dev/pts/\d+\r?\nxterm", run.Out);
        var name = QuaiHost.Unique("tty");
        try
        {
            q.Ok("run", "-d", "-t", "--name", name, "bb", "sleep", "60");
            var execTty = q.RunWith("", TimeSpan.FromSeconds(30), "exec", "-t", name, "tty");
            Assert.True(execTty.Code == 0, execTty.ToString());
            Assert.Matches(@"^/dev/pts/\d+", execTty.Out);
            Assert.Equal("not a tty", q.Run("exec", name, "tty").Out.Trim());
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void StartAttach_Cp_Diff_Export_Update_Stats()
    {
        var sa = QuaiHost.Unique("sta");
        var cp = QuaiHost.Unique("cpx");
        var dir = Directory.CreateTempSubdirectory("qit-cp-").FullName;
        try
        {
            q.Ok("create", "--name", sa, "bb", "sh", "-c", "echo attached; exit 5");
            var a = q.Run("start", "-a", sa);
            Assert.Equal((5, "attached\n"), (a.Code, a.Out));

            q.Ok("run", "-d", "--name", cp, "bb", "sh", "-c", "echo data > /tmp/f; sleep 60");
            Assert.True(QuaiHost.Eventually(() => q.Run("exec", cp, "test", "-f", "/tmp/f").Code == 0, TimeSpan.FromSeconds(5)));
            q.Ok("cp", cp + ":/tmp/f", Path.Combine(dir, "out"));
            Assert.Equal("data\n", File.ReadAllText(Path.Combine(dir, "out")));
            File.WriteAllText(Path.Combine(dir, "in"), "host\n");
            q.Ok("cp", Path.Combine(dir, "in"), cp + ":/tmp/");
            Assert.Equal("host", q.Ok("exec", cp, "cat", "/tmp/in"));
            // a symlink inside the container cannot lead cp out of its rootfs
            q.Ok("exec", cp, "sh", "-c", "ln -s / /tmp/escape");
            q.Ok("cp", Path.Combine(dir, "in"), cp + ":/tmp/escape/etc/injected");
            Assert.False(File.Exists("/etc/injected"));
            Assert.Equal("host", q.Ok("exec", cp, "cat", "/etc/injected"));

            var diff = q.Ok("diff", cp).Split('\n');
            Assert.Contains("A /tmp/f", diff);
            Assert.Contains("C /tmp", diff);
            Assert.DoesNotContain("A /etc/hostname", diff);

            var tar = Path.Combine(dir, "fs.tar");
            q.Ok("export", "-o", tar, cp);
            using (var r = new System.Formats.Tar.TarReader(File.OpenRead(tar)))
            {
                var names = new List<string>();
                while (r.GetNextEntry() is { } e) names.Add(e.Name);
                Assert.Contains("bin/busybox", names);
                Assert.Contains("tmp/f", names);
            }

            q.Ok("update", "-m", "64m", "--pids-limit", "30", cp);
            Assert.Equal("67108864 30", q.Inspect(cp, "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}"));
            Assert.Equal("30", q.Ok("exec", cp, "cat", "/sys/fs/cgroup/pids/pids.max"));
            var stats = q.Ok("stats", "--no-stream", cp).Split('\n');
            Assert.StartsWith("CONTAINER ID", stats[0]);
            Assert.Contains("/ 64MiB", stats[1]);
        }
        finally
        {
            q.Run("rm", "-f", sa, cp);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void LogRotation_MaxSizeMaxFile()
    {
        var name = QuaiHost.Unique("rot");
        try
        {
            q.Ok("run", "--name", name, "--log-opt", "max-size=2k", "--log-opt", "max-file=2", "bb", "sh", "-c", "seq 1 500");
            var dir = Path.Combine(q.Root, "containers", q.Inspect(name, "{{.Id}}"));
            var logs = Directory.GetFiles(dir, "*-json.log*");
            Assert.Equal(2, logs.Length);
            Assert.All(logs, f => Assert.True(new FileInfo(f).Length <= 2048));
            var lines = q.Ok("logs", name).Split('\n');
            Assert.Equal("500", lines[^1]);
            Assert.True(lines.Length < 500);
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void Security_DefaultsAndOverrides()
    {
        // Docker's default capability set (CapEff 00000000a80425fb) and seccomp mode 2
        var status = q.Ok("run", "--rm", "bb", "cat", "/proc/self/status");
        Assert.Contains("CapEff:\t00000000a80425fb", status);
        Assert.Contains("Seccomp:\t2", status);
        Assert.Contains("Seccomp:\t0", q.Ok("run", "--rm", "--security-opt", "seccomp=unconfined", "bb", "cat", "/proc/self/status"));
        Assert.Contains("NoNewPrivs:\t1", q.Ok("run", "--rm", "--security-opt", "no-new-privileges", "bb", "cat", "/proc/self/status"));
        Assert.Contains("CapEff:\t0000000000000000", q.Ok("run", "--rm", "--cap-drop", "ALL", "bb", "cat", "/proc/self/status"));
        Assert.NotEqual(0, q.Run("run", "--rm", "--read-only", "bb", "touch", "/x").Code);
        Assert.Equal(0, q.Run("run", "--rm", "--read-only", "--tmpfs", "/scratch", "bb", "touch", "/scratch/x").Code);
        Assert.Contains(" 65536 ", q.Ok("run", "--rm", "bb", "df", "-k", "/dev/shm")); // 64m
        Assert.Equal("1000 1000", q.Ok("run", "--rm", "-u", "1000:1000", "bb", "sh", "-c", "echo $(id -u) $(id -g)"));
        Assert.Equal("/tmp", q.Ok("run", "--rm", "-w", "/tmp", "bb", "pwd"));
        Assert.Equal("50", q.Ok("run", "--rm", "--pids-limit", "50", "bb", "cat", "/sys/fs/cgroup/pids/pids.max"));
        Assert.Equal("x", q.Ok("run", "--rm", "--entrypoint", "echo", "bb", "x"));
        Assert.Equal("VAL", q.Ok("run", "--rm", "-e", "K=VAL", "bb", "sh", "-c", "echo $K"));
    }
}
