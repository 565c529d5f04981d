using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;

namespace Quai.Runtime.Tests.Cgroups;

/// <summary>v1 manager against a fake multi-hierarchy layout.</summary>
public class V1FakeRootTests : IDisposable
{
    private readonly FakeCgroupRoot _fs = new();
    private readonly ICgroupManager _m;

    public V1FakeRootTests()
    {
        const string unlimited = "9223372036854771712";
        _fs.Touch("/memory/q/c1", "cgroup.procs", "memory.limit_in_bytes=" + unlimited, "memory.memsw.limit_in_bytes=" + unlimited,
            "memory.soft_limit_in_bytes", "memory.swappiness=60", "memory.oom_control=oom_kill_disable 0\nunder_oom 0\noom_kill 4\n",
            "memory.kmem.tcp.limit_in_bytes", "memory.kmem.limit_in_bytes", "memory.usage_in_bytes=1000", "memory.max_usage_in_bytes=2000",
            "memory.failcnt=1", "memory.stat=cache 300\nrss 700\n");
        _fs.Touch("/cpu/q/c1", "cgroup.procs", "cpu.shares=1024", "cpu.cfs_quota_us=-1", "cpu.cfs_period_us=100000", "cpu.cfs_burst_us=0",
            "cpu.rt_period_us=1000000", "cpu.rt_runtime_us=0", "cpu.idle=0", "cpu.stat=nr_periods 3\nnr_throttled 1\nthrottled_time 77\n");
        _fs.Touch("/cpuacct/q/c1", "cgroup.procs", "cpuacct.usage=1000", "cpuacct.usage_percpu=600 400 \n", "cpuacct.stat=user 10\nsystem 5\n");
        _fs.Touch("/pids/q/c1", "cgroup.procs", "pids.max=max", "pids.current=2");
        _fs.Touch("/cpuset", "cpuset.cpus=0-1", "cpuset.mems=0");
        _fs.Touch("/cpuset/q", "cpuset.cpus", "cpuset.mems");
        _fs.Touch("/cpuset/q/c1", "cgroup.procs", "cpuset.cpus", "cpuset.mems");
        _fs.Touch("/devices/q/c1", "cgroup.procs", "devices.allow", "devices.deny", "devices.list=a *:* rwm\n");
        _fs.Touch("/blkio/q/c1", "cgroup.procs", "blkio.bfq.weight=100", "blkio.bfq.weight_device", "blkio.leaf_weight",
            "blkio.throttle.read_bps_device", "blkio.throttle.write_iops_device",
            "blkio.throttle.io_service_bytes_recursive=8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
        _fs.Touch("/freezer/q/c1", "cgroup.procs", "freezer.state=THAWED");
        var env = CgroupEnvironment.ForLegacyRoot(_fs.Root, new[] { "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "freezer" });
        _m = CgroupManagerFactory.Create("/q/c1", "c1", false, env, new CgroupOptions { Timeout = TimeSpan.FromSeconds(1) });
    }

    public void Dispose() => _fs.Dispose();

    [Fact]
    public void Create_CopiesCpusetFromParent()
    {
        _m.Create();
        Assert.Equal("0-1", _fs.Read("/cpuset/q", "cpuset.cpus"));
        Assert.Equal("0", _fs.Read("/cpuset/q", "cpuset.mems"));
        Assert.Equal("0-1", _fs.Read("/cpuset/q/c1", "cpuset.cpus"));
    }

    [Fact]
    public void Apply_WritesV1Files()
    {
        _m.Apply(new Resources
        {
            Memory = new MemoryResources { Limit = 64 << 20, Swap = 128 << 20, Reservation = 32 << 20, Swappiness = 0, DisableOomKiller = true, KernelTcp = 1 << 20 },
            Cpu = new CpuResources { Shares = 512, Quota = 50000, Period = 200000, Burst = 100, Cpus = "1", Mems = "0", RealtimePeriod = 900000, RealtimeRuntime = 1000 },
            Pids = new PidsResources { Limit = 77 },
            BlockIO = new BlockIo
            {
                Weight = 300,
                LeafWeight = 200,
                WeightDevice = new() { new WeightDevice { Major = 8, Minor = 0, Weight = 400 } },
                ThrottleReadBpsDevice = new() { new ThrottleDevice { Major = 8, Minor = 0, Rate = 1000 } },
                ThrottleWriteIopsDevice = new() { new ThrottleDevice { Major = 8, Minor = 16, Rate = 20 } },
            },
            Devices = new() { new DeviceCgroup { Allow = true, Type = "c", Major = 4, Access = "rw" } },
        });
        Assert.Equal("67108864", _fs.Read("/memory/q/c1", "memory.limit_in_bytes"));
        Assert.Equal("134217728", _fs.Read("/memory/q/c1", "memory.memsw.limit_in_bytes"));
        Assert.Equal("33554432", _fs.Read("/memory/q/c1", "memory.soft_limit_in_bytes"));
        Assert.Equal("0", _fs.Read("/memory/q/c1", "memory.swappiness"));
        Assert.Equal("1", _fs.Read("/memory/q/c1", "memory.oom_control"));
        Assert.Equal("1048576", _fs.Read("/memory/q/c1", "memory.kmem.tcp.limit_in_bytes"));
        Assert.Equal("", _fs.Read("/memory/q/c1", "memory.kmem.limit_in_bytes")); // kernel memory is ignored
        Assert.Equal("512", _fs.Read("/cpu/q/c1", "cpu.shares"));
        Assert.Equal("50000", _fs.Read("/cpu/q/c1", "cpu.cfs_quota_us"));
        Assert.Equal("200000", _fs.Read("/cpu/q/c1", "cpu.cfs_period_us"));
        Assert.Equal("100", _fs.Read("/cpu/q/c1", "cpu.cfs_burst_us"));
        Assert.Equal("900000", _fs.Read("/cpu/q/c1", "cpu.rt_period_us"));
        Assert.Equal("1000", _fs.Read("/cpu/q/c1", "cpu.rt_runtime_us"));
        Assert.Equal("1", _fs.Read("/cpuset/q/c1", "cpuset.cpus"));
        Assert.Equal("77", _fs.Read("/pids/q/c1", "pids.max"));
        Assert.Equal("300", _fs.Read("/blkio/q/c1", "blkio.bfq.weight"));  // no blkio.weight → BFQ knob
        Assert.Equal("200", _fs.Read("/blkio/q/c1", "blkio.leaf_weight"));
        Assert.Equal("8:0 400", _fs.Read("/blkio/q/c1", "blkio.bfq.weight_device"));
        Assert.Equal("8:0 1000", _fs.Read("/blkio/q/c1", "blkio.throttle.read_bps_device"));
        Assert.Equal("8:16 20", _fs.Read("/blkio/q/c1", "blkio.throttle.write_iops_device"));
        // Files hold the last write: "a" went to devices.deny, the default list ends with tun.
        Assert.Equal("a", _fs.Read("/devices/q/c1", "devices.deny"));
        Assert.Equal("c 10:200 rwm", _fs.Read("/devices/q/c1", "devices.allow"));
    }

    [Fact]
    public void MinusOneMeansUnlimited()
    {
        _m.Apply(new Resources { Memory = new MemoryResources { Limit = -1 }, Pids = new PidsResources { Limit = -1 }, Cpu = new CpuResources { Quota = -1 } });
        Assert.Equal("-1", _fs.Read("/memory/q/c1", "memory.limit_in_bytes"));
        Assert.Equal("-1", _fs.Read("/memory/q/c1", "memory.memsw.limit_in_bytes"));
        Assert.Equal("max", _fs.Read("/pids/q/c1", "pids.max"));
        Assert.Equal("-1", _fs.Read("/cpu/q/c1", "cpu.cfs_quota_us"));
    }

    [Fact]
    public void InvalidSwappinessIsRejected()
    {
        var e = Assert.Throws<CgroupException>(() => _m.Apply(new Resources { Memory = new MemoryResources { Swappiness = 101 } }));
        Assert.Contains("swappiness", e.Message);
    }

    [Fact]
    public void UnifiedIsRejectedOnV1() =>
        Assert.Throws<CgroupException>(() => _m.Apply(new Resources { Unified = new() { ["memory.high"] = "1" } }));

    [Fact]
    public void UnmountedControllerIsAnErrorOnlyWhenRequested()
    {
        _m.Apply(new Resources()); // hugetlb not mounted, not requested: fine
        var e = Assert.Throws<CgroupException>(() => _m.Apply(new Resources { HugepageLimits = new() { new HugepageLimit { PageSize = "2MB", Limit = 1 } } }));
        Assert.Contains("hugetlb", e.Message);
    }

    [Fact]
    public void AddProcess_WritesEveryHierarchy()
    {
        _m.AddProcess(31337);
        foreach (var dir in _m.Paths.Values.Distinct())
            Assert.Equal("31337", File.ReadAllText(Path.Combine(dir, "cgroup.procs")));
    }

    [Fact]
    public void Stats_ParseV1Files()
    {
        var s = _m.GetStats();
        Assert.Equal(1000UL, s.Cpu.Usage.Total);
        Assert.Equal(new ulong[] { 600, 400 }, s.Cpu.Usage.PerCpu);
        Assert.Equal(100_000_000UL, s.Cpu.Usage.User);
        Assert.Equal(50_000_000UL, s.Cpu.Usage.Kernel);
        Assert.Equal(3UL, s.Cpu.Throttling.Periods);
        Assert.Equal(77UL, s.Cpu.Throttling.ThrottledTime);
        Assert.Equal(1000UL, s.Memory.Usage.Usage);
        Assert.Equal(2000UL, s.Memory.Usage.Max);
        Assert.Equal(300UL, s.Memory.Cache);
        Assert.Equal(2UL, s.Pids.Current);
        Assert.Equal(0UL, s.Pids.Limit);
        Assert.Contains(s.Blkio.IoServiceBytesRecursive, e => e.Op == "Read" && e.Value == 4096);
        Assert.DoesNotContain(s.Blkio.IoServiceBytesRecursive, e => e.Op == "Total");
        Assert.Equal(4UL, _m.OomKillCount());
    }
}
