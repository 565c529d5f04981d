using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;
using Xunit.Abstractions;

namespace Quai.Runtime.Tests.Cgroups;

/// <summary>Real cgroup v1 hierarchies (legacy/hybrid hosts, as root).</summary>
public class RealKernelV1Tests
{
    private readonly ITestOutputHelper _out;
    public RealKernelV1Tests(ITestOutputHelper output) => _out = output;

    private static string Read(ICgroupManager m, string sub, string file) => File.ReadAllText(Path.Combine(m.Paths[sub], file)).Trim();

    [Fact]
    public void Lifecycle_LimitsPidsFreezeKillDestroy()
    {
        if (!RealKernel.V1Available(_out)) return;
        string name = RealKernel.UniqueName();
        var m = CgroupManagerFactory.Create("/" + name, name, rootless: false);
        System.Diagnostics.Process? sleeper = null;
        try
        {
            m.Create();
            Assert.True(m.Exists());
            foreach (var (sub, dir) in m.Paths) Assert.True(Directory.Exists(dir), $"{sub}: {dir}");
            Assert.NotEqual("", Read(m, "cpuset", "cpuset.cpus")); // copied from the parent

            bool memsw = File.Exists(Path.Combine(m.Paths["memory"], "memory.memsw.limit_in_bytes"));
            m.Apply(new Resources
            {
                Memory = new MemoryResources { Limit = 64L << 20, Swap = memsw ? 128L << 20 : null, Reservation = 32L << 20 },
                Pids = new PidsResources { Limit = 50 },
                Cpu = new CpuResources { Shares = 512, Quota = 50000, Period = 100000, Cpus = "0", Mems = "0" },
                Devices = new() { new DeviceCgroup { Allow = false, Access = "rwm" } },
            });
            Assert.Equal("67108864", Read(m, "memory", "memory.limit_in_bytes"));
            if (memsw) Assert.Equal("134217728", Read(m, "memory", "memory.memsw.limit_in_bytes"));
            Assert.Equal("33554432", Read(m, "memory", "memory.soft_limit_in_bytes"));
            Assert.Equal("50", Read(m, "pids", "pids.max"));
            Assert.Equal("512", Read(m, "cpu", "cpu.shares"));
            Assert.Equal("50000", Read(m, "cpu", "cpu.cfs_quota_us"));
            Assert.Equal("100000", Read(m, "cpu", "cpu.cfs_period_us"));
            Assert.Equal("0", Read(m, "cpuset", "cpuset.cpus"));
            var devices = Read(m, "devices", "devices.list");
            Assert.DoesNotContain("a *:* rwm", devices);
            Assert.Contains("c 1:3 rwm", devices);

            // Update: only pids changes; -1 means unlimited.
            m.Update(new Resources { Pids = new PidsResources { Limit = -1 } });
            Assert.Equal("max", Read(m, "pids", "pids.max"));
            Assert.Equal("67108864", Read(m, "memory", "memory.limit_in_bytes"));

            sleeper = RealKernel.Sleeper();
            m.AddProcess(sleeper.Id);
            Assert.Equal(new[] { sleeper.Id }, m.GetPids());
            var procCgroup = File.ReadAllText($"/proc/{sleeper.Id}/cgroup");
            Assert.Contains("memory:/" + name, procCgroup);
            Assert.Contains("pids:/" + name, procCgroup);

            var stats = m.GetStats();
            Assert.Equal(1UL, stats.Pids.Current);
            Assert.NotEmpty(stats.Memory.Raw); // usage may be 0: v1 doesn't move charges on migration
            Assert.Equal(67108864UL, stats.Memory.Usage.Limit);
            Assert.Equal(0UL, m.OomKillCount());

            m.Freeze();
            Assert.True(m.IsFrozen());
            Assert.Equal("FROZEN", Read(m, "freezer", "freezer.state"));
            m.Thaw();
            Assert.False(m.IsFrozen());
            Assert.Equal("THAWED", Read(m, "freezer", "freezer.state"));

            m.KillAll(CgroupManagerBase.SIGKILL);
            Assert.True(sleeper.WaitForExit(5000));
            Assert.Empty(m.GetPids());

            m.Destroy();
            foreach (var dir in m.Paths.Values) Assert.False(Directory.Exists(dir), dir);
            Assert.False(m.Exists());
            m.Destroy(); // idempotent
        }
        finally
        {
            RealKernel.KillQuietly(sleeper);
            try { m.Destroy(); } catch (Exception e) { _out.WriteLine("cleanup: " + e.Message); }
            foreach (var dir in m.Paths.Values) RealKernel.RemoveCgroup(dir);
        }
    }

    [Fact]
    public void KillAll_WhileAnotherProcessRemovesTheCgroupOnceEmpty_Succeeds()
    {
        // rm -f kills while the container's monitor, seeing its init die, removes the cgroup: the freezer
        // directory can vanish between thaw and the read that checks it (once in ~1,400 rm -f before the fix)
        if (!RealKernel.V1Available(_out)) return;
        for (int round = 0; round < 300; round++)
        {
            string name = RealKernel.UniqueName();
            var m = CgroupManagerFactory.Create("/" + name, name, rootless: false);
            System.Diagnostics.Process? sleeper = null;
            using var stop = new CancellationTokenSource();
            Task? remover = null;
            try
            {
                m.Create();
                sleeper = RealKernel.Sleeper();
                m.AddProcess(sleeper.Id);
                remover = Task.Run(() =>
                {
                    while (!stop.IsCancellationRequested && m.Paths.Values.Any(Directory.Exists))
                        foreach (var d in m.Paths.OrderBy(p => p.Key != "freezer").Select(p => p.Value).Distinct())
                            try { Directory.Delete(d); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                });
                m.KillAll(CgroupManagerBase.SIGKILL);
                Assert.True(sleeper.WaitForExit(5000), $"round {round}: still running");
            }
            finally
            {
                stop.Cancel();
                remover?.Wait();
                RealKernel.KillQuietly(sleeper);
                foreach (var dir in m.Paths.Values) RealKernel.RemoveCgroup(dir);
            }
        }
    }

    [Fact]
    public void DestroyWaitsForProcessesToDrain_AndRemovesChildren()
    {
        if (!RealKernel.V1Available(_out)) return;
        string name = RealKernel.UniqueName();
        var m = CgroupManagerFactory.Create("/" + name, name, rootless: false);
        System.Diagnostics.Process? sleeper = null;
        try
        {
            m.Apply(null);
            // A nested cgroup (e.g. created by the container) must go too.
            Directory.CreateDirectory(Path.Combine(m.Paths["pids"], "child"));
            sleeper = RealKernel.Sleeper();
            m.AddProcess(sleeper.Id);
            m.KillAll(15); // SIGTERM: freeze → signal → thaw
            m.Destroy();   // the process may still be exiting: Destroy retries while it drains
            foreach (var dir in m.Paths.Values) Assert.False(Directory.Exists(dir), dir);
        }
        finally
        {
            RealKernel.KillQuietly(sleeper);
            try { m.Destroy(); } catch (Exception e) { _out.WriteLine("cleanup: " + e.Message); }
            foreach (var dir in m.Paths.Values) RealKernel.RemoveCgroup(dir);
        }
    }

    [Fact]
    public void DeviceUpdate_WritesOnlyTheDifference_EvenWithChildCgroups()
    {
        if (!RealKernel.V1Available(_out)) return;
        string name = RealKernel.UniqueName();
        var m = CgroupManagerFactory.Create("/" + name, name, rootless: false);
        try
        {
            m.Apply(new Resources { Devices = new() { new DeviceCgroup { Allow = true, Type = "c", Major = 4, Minor = 1, Access = "rw" } } });
            var before = Read(m, "devices", "devices.list");
            Assert.Contains("c 4:1 rw", before);
            // A nested cgroup: the kernel would now reject a blanket "a" write with EINVAL.
            Directory.CreateDirectory(Path.Combine(m.Paths["devices"], "nested"));
            m.Update(new Resources { Devices = new() { new DeviceCgroup { Allow = true, Type = "b", Major = 7, Minor = 0, Access = "r" } } });
            var after = Read(m, "devices", "devices.list");
            _out.WriteLine(after);
            Assert.Contains("b 7:0 r", after);
            Assert.DoesNotContain("c 4:1", after);
            Assert.Contains("c 1:3 rwm", after);
        }
        finally
        {
            try { m.Destroy(); } catch (Exception e) { _out.WriteLine("cleanup: " + e.Message); }
            foreach (var dir in m.Paths.Values) RealKernel.RemoveCgroup(dir);
        }
        foreach (var dir in m.Paths.Values) Assert.False(Directory.Exists(dir), dir);
    }

    [Fact]
    public void WriteErrorNamesFileAndValue()
    {
        if (!RealKernel.V1Available(_out)) return;
        string name = RealKernel.UniqueName();
        var m = CgroupManagerFactory.Create("/" + name, name, rootless: false);
        try
        {
            m.Create();
            // cpu.shares below the kernel's minimum is clamped: reported as a clear error.
            var e = Assert.ThrowsAny<Exception>(() => m.Apply(new Resources { Cpu = new CpuResources { Cpus = "999" } }));
            _out.WriteLine(e.Message);
            Assert.Contains($"write 999 to {m.Paths["cpuset"]}/cpuset.cpus", e.Message);
        }
        finally
        {
            try { m.Destroy(); } catch (Exception e) { _out.WriteLine("cleanup: " + e.Message); }
            foreach (var dir in m.Paths.Values) RealKernel.RemoveCgroup(dir);
        }
    }
}
