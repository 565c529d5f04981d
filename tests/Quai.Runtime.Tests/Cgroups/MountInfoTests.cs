using Quai.Runtime.Cgroups;

namespace Quai.Runtime.Tests.Cgroups;

public class MountInfoTests
{
    internal const string Hybrid = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    internal const string Unified = """
        24 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
        26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        27 25 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime shared:12 - debugfs debugfs rw
        """;

    internal const string Legacy = """
        18 1 8:1 / / rw shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
        25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
        26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
        28 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,cpu,cpuacct
        29 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,memory
        30 25 0:26 /docker/abc /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,pids
        31 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
        """;

    [Fact]
    public void DetectsHybrid() => Assert.Equal(CgroupMode.Hybrid, MountInfo.DetectMode(MountInfo.Parse(Hybrid)));

    [Fact]
    public void DetectsUnified() => Assert.Equal(CgroupMode.Unified, MountInfo.DetectMode(MountInfo.Parse(Unified)));

    [Fact]
    public void DetectsLegacy() => Assert.Equal(CgroupMode.Legacy, MountInfo.DetectMode(MountInfo.Parse(Legacy)));

    [Fact]
    public void DetectsNone() => Assert.Equal(CgroupMode.None, MountInfo.DetectMode(MountInfo.Parse("18 1 8:1 / / rw - ext4 /dev/sda1 rw\n")));

    [Fact]
    public void ParsesFieldsAndControllers()
    {
        var m = MountInfo.Parse(Legacy);
        var cpu = m.Single(x => x.MountPoint == "/sys/fs/cgroup/cpu,cpuacct");
        Assert.Equal("cgroup", cpu.FsType);
        Assert.Equal(new[] { "cpu", "cpuacct" }, cpu.Controllers);
        var systemd = m.Single(x => x.MountPoint == "/sys/fs/cgroup/systemd");
        Assert.Equal(new[] { "name=systemd" }, systemd.Controllers);
        Assert.Equal("/docker/abc", m.Single(x => x.MountPoint == "/sys/fs/cgroup/pids").Root);
        // optional fields (shared:N) are skipped correctly
        Assert.Equal("/dev/sda1", m.Single(x => x.MountPoint == "/").Source);
    }

    [Fact]
    public void UnescapesOctal()
    {
        var m = MountInfo.Parse("50 1 0:40 / /mnt/with\\040space rw - tmpfs tmp\\134fs rw\n");
        Assert.Equal("/mnt/with space", m[0].MountPoint);
        Assert.Equal("tmp\\fs", m[0].Source);
    }

    [Fact]
    public void ParsesProcCgroup()
    {
        var p = MountInfo.ParseProcCgroup("12:cpu,cpuacct:/a/b\n4:memory:/process_api/x\n1:name=systemd:/init.scope\n0::/user.slice\n");
        Assert.Equal("/a/b", p["cpu"]);
        Assert.Equal("/a/b", p["cpuacct"]);
        Assert.Equal("/process_api/x", p["memory"]);
        Assert.Equal("/init.scope", p["name=systemd"]);
        Assert.Equal("/user.slice", p[""]);
    }

    [Fact]
    public void EnvironmentFromHybrid()
    {
        var env = CgroupEnvironment.FromProc(Hybrid, "4:memory:/process_api/x\n3:cpuset:/\n0::/\n");
        Assert.Equal(CgroupMode.Hybrid, env.Mode);
        Assert.Equal("/sys/fs/cgroup/unified", env.UnifiedMountPoint);
        Assert.Equal("/sys/fs/cgroup/memory", env.V1MountPoints["memory"]);
        Assert.Equal("/sys/fs/cgroup/systemd", env.V1MountPoints["name=systemd"]);
        Assert.Equal("/process_api/x", env.OwnPathRelativeToMount("memory"));
    }

    [Fact]
    public void EnvironmentFromUnifiedHasNoV1()
    {
        var env = CgroupEnvironment.FromProc(Unified, "0::/user.slice/user-0.slice/session-3.scope\n");
        Assert.Equal(CgroupMode.Unified, env.Mode);
        Assert.Equal("/sys/fs/cgroup", env.UnifiedMountPoint);
        Assert.Empty(env.V1MountPoints);
    }

    [Fact]
    public void OwnPathStripsMountRoot()
    {
        var env = CgroupEnvironment.FromProc(Legacy, "5:pids:/docker/abc/inner\n4:memory:/x\n");
        Assert.Equal("/inner", env.OwnPathRelativeToMount("pids"));
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", env.V1MountPoints["cpuacct"]);
        Assert.Equal("/sys/fs/cgroup/net_cls,net_prio", env.V1MountPoints["net_prio"]);
    }

    [Fact]
    public void HostDetectionWorks()
    {
        // Whatever the host is, detection must find some cgroup layout on a Linux CI box.
        var mode = CgroupManagerFactory.DetectMode();
        Assert.NotEqual(CgroupMode.None, mode);
    }
}
