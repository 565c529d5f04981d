using Quai.Runtime.Cgroups;

namespace Quai.Runtime.Tests.Cgroups;

public class CgroupPathTests
{
    private static readonly CgroupOptions NoDevices = new() { SkipDevices = true };

    [Fact]
    public void V2_AbsoluteIsBelowMount()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake", "/user.slice/session-1.scope");
        var m = CgroupManagerFactory.Create("/machine/abc", "abc", false, env, NoDevices);
        Assert.Equal("/fake/machine/abc", m.Paths[""]);
        Assert.Single(m.Paths);
    }

    [Fact]
    public void V2_RelativeIsBelowParentOfOwnCgroup()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake", "/user.slice/session-1.scope");
        Assert.Equal("/fake/user.slice/ctr/x", CgroupManagerFactory.Create("ctr/x", "id", false, env, NoDevices).Paths[""]);
    }

    [Fact]
    public void V2_EmptyDefaultsToContainerIdRelative()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake", "/user.slice/session-1.scope");
        Assert.Equal("/fake/user.slice/myid", CgroupManagerFactory.Create(null, "myid", false, env, NoDevices).Paths[""]);
        Assert.Equal("/fake/user.slice/myid", CgroupManagerFactory.Create("", "myid", false, env, NoDevices).Paths[""]);
        // Own cgroup "/" (e.g. in a cgroup namespace): the parent of "/" is "/".
        var rootEnv = CgroupEnvironment.ForUnifiedRoot("/fake", "/");
        Assert.Equal("/fake/myid", CgroupManagerFactory.Create(null, "myid", false, rootEnv, NoDevices).Paths[""]);
    }

    [Fact]
    public void DotDotCannotEscape()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake", "/a/b");
        Assert.Equal("/fake/etc", CgroupManagerFactory.Create("/../../etc", "id", false, env, NoDevices).Paths[""]);
        Assert.Equal("/fake/a/etc", CgroupManagerFactory.Create("../../etc", "id", false, env, NoDevices).Paths[""]);
    }

    [Fact]
    public void HierarchyRootIsRejected()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake");
        Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create("/", "abc", false, env, NoDevices));
        Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create("/a/..", "abc", false, env, NoDevices));
    }

    [Fact]
    public void SystemdStyleIsRejected()
    {
        var env = CgroupEnvironment.ForUnifiedRoot("/fake");
        var e = Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create("system.slice:quai:abc", "abc", false, env, NoDevices));
        Assert.Contains("systemd cgroup driver not supported", e.Message);
    }

    [Fact]
    public void V1_AbsoluteAndRelativePerHierarchy()
    {
        var env = CgroupEnvironment.ForLegacyRoot("/fake", new[] { "memory", "cpu", "pids", "freezer", "name=systemd" }, "/own", hybrid: true);
        var abs = CgroupManagerFactory.Create("/q/c1", "c1", false, env, NoDevices);
        Assert.Equal("/fake/memory/q/c1", abs.Paths["memory"]);
        Assert.Equal("/fake/systemd/q/c1", abs.Paths["name=systemd"]);
        Assert.Equal("/fake/unified/q/c1", abs.Paths[""]);
        Assert.False(abs.Paths.ContainsKey("blkio")); // not mounted → not joined
        var rel = CgroupManagerFactory.Create(null, "c1", false, env, NoDevices);
        Assert.Equal("/fake/memory/own/c1", rel.Paths["memory"]);
        Assert.Equal("/fake/pids/own/c1", rel.Paths["pids"]);
    }

    [Fact]
    public void LoadPicksVersionFromKeys()
    {
        Assert.IsType<Quai.Runtime.Cgroups.V2.V2Manager>(CgroupManagerFactory.Load(new Dictionary<string, string> { [""] = "/x" }));
        Assert.IsType<Quai.Runtime.Cgroups.V1.V1Manager>(CgroupManagerFactory.Load(new Dictionary<string, string> { ["memory"] = "/m/x", [""] = "/u/x" }));
        Assert.IsType<NoopCgroupManager>(CgroupManagerFactory.Load(new Dictionary<string, string>()));
    }
}
