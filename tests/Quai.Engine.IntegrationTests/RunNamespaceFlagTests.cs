namespace Quai.Engine.IntegrationTests;

/// <summary>The run flags Docker users reach for that Quai lacked (issue 12): namespaces shared with the host or
/// another container, more groups, label files, the container id file, resource flags, log drivers.</summary>
public sealed class RunNamespaceFlagTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private static string HostNs(string type) => new FileInfo($"/proc/self/ns/{type}").LinkTarget!;

    [Fact]
    public void PidHost_SeesTheHostsProcesses_AndPidContainerSeesTheOthers()
    {
        var hostInit = File.ReadAllText("/proc/1/comm").Trim();
        Assert.Equal(hostInit, q.Ok("run", "--rm", "--pid", "host", "bb", "cat", "/proc/1/comm"));
        Assert.Equal(HostNs("pid"), q.Ok("run", "--rm", "--pid", "host", "bb", "busybox", "readlink", "/proc/self/ns/pid"));
        var donor = QuaiHost.Unique("pidonor");
        try
        {
            q.Track(q.Ok("run", "-d", "--name", donor, "bb", "sleep", "60"));
            Assert.Contains("sleep 60", q.Ok("run", "--rm", "--pid", "container:" + donor, "bb", "ps", "-o", "args"));
            Assert.Equal("container:" + q.Inspect(donor, "{{.Id}}"), q.Inspect(q.Ok("create", "--pid", "container:" + donor, "bb", "true"), "{{.HostConfig.PidMode}}"));
            q.Ok("stop", "-t", "0", donor);
            var r = q.Run("run", "--rm", "--pid", "container:" + donor, "bb", "true");
            Assert.NotEqual(0, r.Code);
            Assert.Contains("cannot join PID of a non running container", r.Err);
        }
        finally { q.Run("rm", "-f", donor); }
        Assert.Contains("--pid: invalid PID mode", q.Run("run", "--rm", "--pid", "bogus", "bb", "true").Err);
    }

    [Fact]
    public void Ipc_HostNoneShareableAndContainer()
    {
        Assert.Equal(HostNs("ipc"), q.Ok("run", "--rm", "--ipc", "host", "bb", "busybox", "readlink", "/proc/self/ns/ipc"));
        Assert.Equal("0", q.Ok("run", "--rm", "--ipc", "none", "bb", "sh", "-c", "grep -c ' /dev/shm ' /proc/mounts; true"));
        var priv = QuaiHost.Unique("ipcpriv");
        var shared = QuaiHost.Unique("ipcshare");
        try
        {
            q.Track(q.Ok("run", "-d", "--name", priv, "bb", "sleep", "60"));
            var refused = q.Run("run", "--rm", "--ipc", "container:" + priv, "bb", "true");
            Assert.Equal(125, refused.Code);
            Assert.Contains("non-shareable IPC", refused.Err);
            q.Track(q.Ok("run", "-d", "--name", shared, "--ipc", "shareable", "bb", "sleep", "60"));
            var donorNs = q.Ok("exec", shared, "busybox", "readlink", "/proc/self/ns/ipc");
            Assert.Equal(donorNs, q.Ok("run", "--rm", "--ipc", "container:" + shared, "bb", "busybox", "readlink", "/proc/self/ns/ipc"));
            Assert.NotEqual(donorNs, q.Ok("exec", priv, "busybox", "readlink", "/proc/self/ns/ipc"));
        }
        finally
        {
            q.Run("rm", "-f", priv);
            q.Run("rm", "-f", shared);
        }
    }

    [Fact]
    public void UtsHost_UsesTheHostsName_AndRefusesAHostname()
    {
        Assert.Equal(Environment.MachineName, q.Ok("run", "--rm", "--uts", "host", "bb", "hostname"));
        Assert.Equal(HostNs("uts"), q.Ok("run", "--rm", "--uts", "host", "bb", "busybox", "readlink", "/proc/self/ns/uts"));
        var r = q.Run("run", "--rm", "--uts", "host", "-h", "x", "bb", "true");
        Assert.Equal(125, r.Code);
        Assert.Contains("Conflicting options: hostname and the UTS mode", r.Err);
        Assert.Equal("ok", q.Ok("run", "--rm", "--userns", "host", "bb", "echo", "ok"));
        Assert.Contains("--userns: invalid USER mode", q.Run("run", "--rm", "--userns", "bogus", "bb", "true").Err);
    }

    [Fact]
    public void Cgroupns_PrivateIsItsOwn_HostIsTheHosts()
    {
        Assert.NotEqual(HostNs("cgroup"), q.Ok("run", "--rm", "--cgroupns", "private", "bb", "busybox", "readlink", "/proc/self/ns/cgroup"));
        Assert.Equal(HostNs("cgroup"), q.Ok("run", "--rm", "--cgroupns", "host", "bb", "busybox", "readlink", "/proc/self/ns/cgroup"));
        Assert.Contains("--cgroupns: invalid CGROUP mode", q.Run("run", "--rm", "--cgroupns", "bogus", "bb", "true").Err);
    }

    [Fact]
    public void GroupAdd_AddsGroupsByNameAndNumber()
    {
        var groups = q.Ok("run", "--rm", "--group-add", "extra", "--group-add", "4242", "bb", "id", "-G").Split(' ');
        Assert.Contains("2000", groups);
        Assert.Contains("4242", groups);
        var r = q.Run("run", "--rm", "--group-add", "nosuchgroup", "bb", "true");
        Assert.Equal(125, r.Code); // as an unknown -u user: the daemon's error at start
        Assert.Contains("Unable to find group nosuchgroup", r.Err);
    }

    [Fact]
    public void LabelFile_AndCidfile()
    {
        var dir = Directory.CreateTempSubdirectory("quai-flags-").FullName;
        var name = QuaiHost.Unique("cid");
        try
        {
            File.WriteAllText(Path.Combine(dir, "labels"), "# a comment\nteam=core\n\nempty\n");
            var cid = Path.Combine(dir, "cid");
            var id = q.Ok("create", "--name", name, "--label-file", Path.Combine(dir, "labels"), "-l", "extra=1", "--cidfile", cid, "bb", "true");
            q.Track(id);
            Assert.Equal(id, File.ReadAllText(cid));
            Assert.Equal("core||1", q.Inspect(name, "{{index .Config.Labels \"team\"}}|{{index .Config.Labels \"empty\"}}|{{index .Config.Labels \"extra\"}}"));
            var again = q.Run("create", "--cidfile", cid, "bb", "true");
            Assert.Equal(125, again.Code);
            Assert.Contains("Container ID file found, make sure the other container isn't running or delete " + cid, again.Err);
            // no container, no file
            var other = Path.Combine(dir, "cid2");
            Assert.NotEqual(0, q.Run("create", "--cidfile", other, "no-such-image-x", "true").Code);
            Assert.False(File.Exists(other));
        }
        finally
        {
            q.Run("rm", "-f", name);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ResourceFlags_ReachTheCgroup()
    {
        Assert.Equal("100000 50000", q.Ok("run", "--rm", "--cpu-period", "100000", "--cpu-quota", "50000", "bb", "sh", "-c",
            "echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"));
        Assert.Equal(33554432.ToString(), q.Ok("run", "--rm", "--memory-reservation", "32m", "bb", "cat", "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes"));
        Assert.Contains("oom_kill_disable 1", q.Ok("run", "--rm", "-m", "64m", "--oom-kill-disable", "bb", "cat", "/sys/fs/cgroup/memory/memory.oom_control"));
        var conflict = q.Run("run", "--rm", "--cpus", "1", "--cpu-period", "100000", "bb", "true");
        Assert.Equal(125, conflict.Code);
        Assert.Contains("Conflicting options: Nano CPUs and CPU Period cannot both be set", conflict.Err);
        Assert.Contains("Range of blkio weight is from 10 to 1000", q.Run("run", "--rm", "--blkio-weight", "5", "bb", "true").Err);
        var disk = Directory.EnumerateFiles("/dev", "vd?").Concat(Directory.EnumerateFiles("/dev", "sd?")).FirstOrDefault();
        if (disk is not null)
        {
            var st = File.ReadAllText($"/sys/class/block/{Path.GetFileName(disk)}/dev").Trim();
            Assert.Equal($"{st} 1048576", q.Ok("run", "--rm", "--device-read-bps", disk + ":1mb", "bb", "cat", "/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"));
            Assert.Equal($"{st} 300", q.Ok("run", "--rm", "--device-write-iops", disk + ":300", "bb", "cat", "/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device"));
        }
        Assert.Contains("invalid rate for device", q.Run("run", "--rm", "--device-read-bps", "/dev/null:fast", "bb", "true").Err);
    }

    [Fact]
    public void LogDrivers_NoneKeepsNothing_LocalIsReadable_GpusIsAClearError()
    {
        var none = QuaiHost.Unique("lognone");
        var local = QuaiHost.Unique("loglocal");
        try
        {
            Assert.Equal("attached", q.Ok("run", "--name", none, "--log-driver", "none", "bb", "echo", "attached"));
            var logs = q.Run("logs", none);
            Assert.Equal(1, logs.Code);
            Assert.Contains("configured logging driver does not support reading", logs.Err);
            q.Ok("run", "--name", local, "--log-driver", "local", "bb", "echo", "kept");
            Assert.Equal("kept", q.Ok("logs", local));
            Assert.Equal("local 20m", q.Inspect(local, "{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config \"max-size\"}}"));
        }
        finally
        {
            q.Run("rm", "-f", none);
            q.Run("rm", "-f", local);
        }
        Assert.Equal(125, q.Run("run", "--rm", "--log-driver", "syslog", "bb", "true").Code);
        var gpus = q.Run("run", "--rm", "--gpus", "all", "bb", "true");
        Assert.Equal(125, gpus.Code);
        Assert.Contains("could not select device driver", gpus.Err);
    }
}
