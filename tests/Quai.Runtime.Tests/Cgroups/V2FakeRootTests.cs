using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;

namespace Quai.Runtime.Tests.Cgroups;

/// <summary>v2 manager against a fake /sys/fs/cgroup: checks the exact file contents written.</summary>
public class V2FakeRootTests : IDisposable
{
    private const string Controllers = "cpuset cpu io memory hugetlb pids rdma";
    private static readonly string[] LeafFiles =
    {
        "cgroup.controllers=" + Controllers, "cgroup.procs", "cgroup.freeze=0", "cgroup.events=populated 0\nfrozen 0\n",
        "cgroup.subtree_control", "memory.max=max", "memory.swap.max=max", "memory.low=0", "cpu.weight=100", "cpu.max=max 100000",
        "cpu.max.burst=0", "cpu.idle=0", "pids.max=max", "io.weight=default 100", "io.max", "cpuset.cpus", "cpuset.mems",
        "hugetlb.2MB.max=max", "memory.high=max", "rdma.max",
    };

    private readonly FakeCgroupRoot _fs = new();
    private readonly ICgroupManager _m;

    public V2FakeRootTests()
    {
        _fs.Touch("/", "cgroup.controllers=" + Controllers, "cgroup.subtree_control");
        _fs.Touch("/pod", "cgroup.controllers=" + Controllers, "cgroup.subtree_control=cpu");
        _fs.Touch("/pod/c1", LeafFiles);
        var env = CgroupEnvironment.ForUnifiedRoot(_fs.Root);
        _m = CgroupManagerFactory.Create("/pod/c1", "c1", false, env, new CgroupOptions { SkipDevices = true, Timeout = TimeSpan.FromSeconds(1) });
    }

    public void Dispose() => _fs.Dispose();

    private string F(string file) => _fs.Read("/pod/c1", file);

    [Fact]
    public void Create_EnablesControllersInAncestors()
    {
        _m.Create();
        Assert.Equal("+cpuset +cpu +io +memory +hugetlb +pids +rdma", _fs.Read("/", "cgroup.subtree_control"));
        // Already has cpu enabled: only the missing ones are added.
        Assert.Equal("+cpuset +io +memory +hugetlb +pids +rdma", _fs.Read("/pod", "cgroup.subtree_control"));
        Assert.Equal(Path.Combine(_fs.Root, "pod/c1"), _m.Paths[""]);
    }

    [Fact]
    public void Apply_WritesConvertedValues()
    {
        _m.Apply(new Resources
        {
            Memory = new MemoryResources { Limit = 1L << 30, Swap = 2L << 30, Reservation = 512L << 20, Swappiness = 10, Kernel = 1 << 20, DisableOomKiller = true },
            Cpu = new CpuResources { Shares = 1024, Quota = 50000, Period = 100000, Burst = 1000, Cpus = "0-1", Mems = "0", Idle = 0 },
            Pids = new PidsResources { Limit = 100 },
            BlockIO = new BlockIo
            {
                Weight = 500,
                ThrottleReadBpsDevice = new() { new ThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 } },
            },
            HugepageLimits = new() { new HugepageLimit { PageSize = "2MB", Limit = 4194304 } },
            Rdma = new() { ["mlx5_0"] = new RdmaLimit { HcaHandles = 3, HcaObjects = 100 } },
            Unified = new() { ["memory.high"] = "900000000" },
        });
        Assert.Equal("1073741824", F("memory.max"));
        Assert.Equal("1073741824", F("memory.swap.max")); // swap - limit
        Assert.Equal("536870912", F("memory.low"));
        Assert.Equal("100", F("cpu.weight"));
        Assert.Equal("50000 100000", F("cpu.max"));
        Assert.Equal("1000", F("cpu.max.burst"));
        Assert.Equal("0", F("cpu.idle"));
        Assert.Equal("0-1", F("cpuset.cpus"));
        Assert.Equal("0", F("cpuset.mems"));
        Assert.Equal("100", F("pids.max"));
        Assert.Equal("4950", F("io.weight"));
        Assert.Equal("8:0 rbps=1048576", F("io.max"));
        Assert.Equal("4194304", F("hugetlb.2MB.max"));
        Assert.Equal("mlx5_0 hca_handle=3 hca_object=100", F("rdma.max"));
        Assert.Equal("900000000", F("memory.high"));
    }

    [Fact]
    public void Apply_MinusOneMeansMax()
    {
        File.WriteAllText(Path.Combine(_m.Paths[""], "memory.max"), "123");
        _m.Apply(new Resources
        {
            Memory = new MemoryResources { Limit = -1 },
            Cpu = new CpuResources { Quota = -1, Period = 100000 },
            Pids = new PidsResources { Limit = -1 },
        });
        Assert.Equal("max", F("memory.max"));
        Assert.Equal("max", F("memory.swap.max"));
        Assert.Equal("max 100000", F("cpu.max"));
        Assert.Equal("max", F("pids.max"));
    }

    [Fact]
    public void Apply_SwapEqualToLimitDisablesSwap()
    {
        _m.Apply(new Resources { Memory = new MemoryResources { Limit = 1000000, Swap = 1000000 } });
        Assert.Equal("0", F("memory.swap.max"));
        Assert.Equal("1000000", F("memory.max"));
    }

    [Fact]
    public void Apply_SwapWithoutLimitIsAnError()
    {
        var e = Assert.Throws<CgroupException>(() => _m.Apply(new Resources { Memory = new MemoryResources { Swap = 1000000 } }));
        Assert.Contains("without memory limit", e.Message);
    }

    [Fact]
    public void Update_OnlyTouchesGivenSections()
    {
        _m.Apply(new Resources { Memory = new MemoryResources { Limit = 4096000 }, Pids = new PidsResources { Limit = 10 } });
        _m.Update(new Resources { Pids = new PidsResources { Limit = 50 } });
        Assert.Equal("50", F("pids.max"));
        Assert.Equal("4096000", F("memory.max"));
    }

    [Fact]
    public void WriteError_NamesFileAndValue()
    {
        File.Delete(Path.Combine(_m.Paths[""], "memory.max"));
        var e = Assert.Throws<ErrnoException>(() => _m.Apply(new Resources { Memory = new MemoryResources { Limit = 100 } }));
        Assert.Equal(Errno.ENOENT, e.Code);
        Assert.StartsWith($"write 100 to {Path.Combine(_m.Paths[""], "memory.max")}: ENOENT", e.Message);
    }

    [Fact]
    public void ControllerNotEnabled_IsAClearError()
    {
        File.WriteAllText(Path.Combine(_m.Paths[""], "cgroup.controllers"), "cpu pids");
        var e = Assert.Throws<CgroupException>(() => _m.Apply(new Resources { Memory = new MemoryResources { Limit = 100 } }));
        Assert.Contains("memory controller is not enabled", e.Message);
    }

    [Fact]
    public void CheckBeforeUpdate_RejectsLimitBelowUsage()
    {
        _fs.Touch("/pod/c1", "memory.current=5000");
        var e = Assert.Throws<CgroupException>(() => _m.Update(new Resources { Memory = new MemoryResources { Limit = 4096, CheckBeforeUpdate = true } }));
        Assert.Contains("checkBeforeUpdate", e.Message);
        Assert.Equal("max", F("memory.max"));
        _m.Update(new Resources { Memory = new MemoryResources { Limit = 4096 } });
        Assert.Equal("4096", F("memory.max"));
    }

    [Fact]
    public void RealtimeIsRejectedOnV2() =>
        Assert.Throws<CgroupException>(() => _m.Apply(new Resources { Cpu = new CpuResources { RealtimeRuntime = 1000, RealtimePeriod = 10000 } }));

    [Fact]
    public void Unified_RejectsPathsInKeys() =>
        Assert.Throws<CgroupException>(() => _m.Apply(new Resources { Unified = new() { ["../memory.max"] = "1" } }));

    [Fact]
    public void Io_UsesBfqWeightWhenPresent()
    {
        _fs.Touch("/pod/c1", "io.bfq.weight=default 100");
        _m.Apply(new Resources { BlockIO = new BlockIo { Weight = 300 } });
        Assert.Equal("300", F("io.bfq.weight"));
    }

    [Fact]
    public void Freeze_WritesCgroupFreezeAndWaitsForEvents()
    {
        File.WriteAllText(Path.Combine(_m.Paths[""], "cgroup.events"), "populated 0\nfrozen 1\n");
        _m.Freeze();
        Assert.Equal("1", F("cgroup.freeze"));
        Assert.True(_m.IsFrozen());
        // Kernel never reports thawed → Thaw times out with a clear error.
        var e = Assert.Throws<CgroupException>(() => _m.Thaw());
        Assert.Contains("thawing", e.Message);
        Assert.Equal("0", F("cgroup.freeze"));
    }

    [Fact]
    public void AddProcess_WritesCgroupProcs()
    {
        _m.AddProcess(4242);
        Assert.Equal("4242", F("cgroup.procs"));
        Assert.Equal(new[] { 4242 }, _m.GetPids());
    }

    [Fact]
    public void Stats_ParseV2Files()
    {
        _fs.Touch("/pod/c1",
            "cpu.stat=usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 300\n",
            "memory.current=4096", "memory.max=max", "memory.peak=8192", "memory.stat=anon 100\nfile 200\n",
            "memory.events=low 0\nhigh 0\nmax 7\noom 1\noom_kill 2\n", "memory.swap.current=10", "memory.swap.max=max",
            "pids.current=3", "pids.max=64", "io.stat=8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
            "hugetlb.2MB.current=2097152", "hugetlb.2MB.events=max 1\n");
        var s = _m.GetStats();
        Assert.Equal(1_500_000UL, s.Cpu.Usage.Total);
        Assert.Equal(1_000_000UL, s.Cpu.Usage.User);
        Assert.Equal(500_000UL, s.Cpu.Usage.Kernel);
        Assert.Equal(2UL, s.Cpu.Throttling.ThrottledPeriods);
        Assert.Equal(300_000UL, s.Cpu.Throttling.ThrottledTime);
        Assert.Equal(4096UL, s.Memory.Usage.Usage);
        Assert.Equal(ulong.MaxValue, s.Memory.Usage.Limit);
        Assert.Equal(8192UL, s.Memory.Usage.Max);
        Assert.Equal(7UL, s.Memory.Usage.Failcnt);
        Assert.Equal(4106UL, s.Memory.Swap.Usage);
        Assert.Equal(200UL, s.Memory.Cache);
        Assert.Equal(100UL, s.Memory.Raw["anon"]);
        Assert.Equal(3UL, s.Pids.Current);
        Assert.Equal(64UL, s.Pids.Limit);
        Assert.Contains(s.Blkio.IoServiceBytesRecursive, e => e.Major == 8 && e.Op == "Write" && e.Value == 200);
        Assert.Contains(s.Blkio.IoServicedRecursive, e => e.Op == "Read" && e.Value == 1);
        Assert.Equal(2097152UL, s.Hugetlb["2MB"].Usage);
        Assert.Equal(1UL, s.Hugetlb["2MB"].Failcnt);
        Assert.Equal(2UL, _m.OomKillCount());

        var json = JsonSerializer.Serialize(s, CgroupJsonContext.Default.CgroupStats);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(1_500_000UL, doc.RootElement.GetProperty("cpu").GetProperty("usage").GetProperty("total").GetUInt64());
        Assert.Equal(2UL, doc.RootElement.GetProperty("cpu").GetProperty("throttling").GetProperty("throttledPeriods").GetUInt64());
        Assert.Equal(64UL, doc.RootElement.GetProperty("pids").GetProperty("limit").GetUInt64());
        Assert.Equal(4096UL, doc.RootElement.GetProperty("memory").GetProperty("usage").GetProperty("usage").GetUInt64());
        Assert.True(doc.RootElement.GetProperty("memory").GetProperty("raw").TryGetProperty("file", out _));
        Assert.True(doc.RootElement.GetProperty("hugetlb").TryGetProperty("2MB", out _));
        Assert.True(doc.RootElement.GetProperty("blkio").TryGetProperty("ioServiceBytesRecursive", out _));
    }
}
