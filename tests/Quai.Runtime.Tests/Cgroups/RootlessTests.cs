using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;

namespace Quai.Runtime.Tests.Cgroups;

public class RootlessTests
{
    /// <summary>A manager whose every write fails like an unwritable cgroupfs would.</summary>
    private sealed class DeniedManager : ICgroupManager
    {
        public int Calls;
        private void Deny() { Calls++; throw new ErrnoException("mkdir /sys/fs/cgroup/memory/x", Errno.EACCES); }
        public IReadOnlyDictionary<string, string> Paths { get; } = new Dictionary<string, string> { ["memory"] = "/sys/fs/cgroup/memory/x" };
        public void Create() => Deny();
        public void Apply(Resources? r) => Deny();
        public void AddProcess(int pid) => Deny();
        public void Update(Resources r) => Deny();
        public IReadOnlyList<int> GetPids(bool recursive = true) => new[] { 1 };
        public void Freeze() => Deny();
        public void Thaw() => Deny();
        public bool IsFrozen() => true;
        public CgroupStats GetStats() => new() { Pids = new PidsStats { Current = 9 } };
        public ulong OomKillCount() => 9;
        public void KillAll(int signal) => Deny();
        public void Destroy() => Deny();
        public bool Exists() => false;
    }

    [Fact]
    public void DegradesToNoopWhenCgroupsAreNotWritable()
    {
        var inner = new DeniedManager();
        var m = new RootlessCgroupManager(inner);
        m.Create();
        Assert.True(m.Disabled);
        m.Apply(new Resources { Pids = new PidsResources { Limit = 5 } });
        m.AddProcess(123);
        Assert.Equal(1, inner.Calls); // nothing further reaches the real manager
        Assert.Empty(m.Paths);
        Assert.Empty(m.GetPids());
        Assert.False(m.IsFrozen());
        Assert.Equal(0UL, m.GetStats().Pids.Current);
        m.Destroy();
        Assert.Throws<CgroupException>(() => m.Freeze());
    }

    [Fact]
    public void NonPermissionErrorsStillSurface()
    {
        var m = new RootlessCgroupManager(new ThrowingManager());
        Assert.Throws<CgroupException>(() => m.Apply(null));
        Assert.False(m.Disabled);
    }

    private sealed class ThrowingManager : ICgroupManager
    {
        public IReadOnlyDictionary<string, string> Paths { get; } = new Dictionary<string, string>();
        public void Create() { }
        public void Apply(Resources? r) => throw new CgroupException("bad value");
        public void AddProcess(int pid) { }
        public void Update(Resources r) { }
        public IReadOnlyList<int> GetPids(bool recursive = true) => Array.Empty<int>();
        public void Freeze() { }
        public void Thaw() { }
        public bool IsFrozen() => false;
        public CgroupStats GetStats() => new();
        public ulong OomKillCount() => 0;
        public void KillAll(int signal) { }
        public void Destroy() { }
        public bool Exists() => false;
    }

    [Fact]
    public void FactoryWrapsRootless()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake");
        Assert.IsType<RootlessCgroupManager>(CgroupManagerFactory.Create(null, "c", true, env, null));
        Assert.IsType<NoopCgroupManager>(CgroupManagerFactory.Create(null, "c", true, new CgroupEnvironment { Mode = CgroupMode.None }, null));
        Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create(null, "c", false, new CgroupEnvironment { Mode = CgroupMode.None }, null));
    }
}
