using Quai.Engine.Containers;
using Quai.Engine.Specs;

namespace Quai.Engine.Tests;

public sealed class SpecBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-spec-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private Container Make(Action<Container>? change = null)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "rootfs/etc"));
        File.WriteAllText(Path.Combine(_dir, "rootfs/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:100:101::/app:/bin/sh\n");
        File.WriteAllText(Path.Combine(_dir, "rootfs/etc/group"), "root:x:0:\napp:x:101:\n");
        var c = new Container
        {
            Id = new string('a', 64), Name = "/x",
            Config = new RunConfig { Hostname = "aaaaaaaaaaaa", Env = ["PATH=/bin"], Cmd = ["sh"] },
        };
        change?.Invoke(c);
        return c;
    }

    [Fact]
    public void A_network_namespace_file_is_joined_by_path()
    {
        var spec = SpecBuilder.Build(Make(c => c.HostConfig.NetworkMode = "bridge"), Path.Combine(_dir, "rootfs"), _dir, "/var/lib/quai/netns/abc");
        Assert.Contains(spec.Linux!.Namespaces!, n => n.Type == "network" && n.Path == "/var/lib/quai/netns/abc");
        var none = SpecBuilder.Build(Make(), Path.Combine(_dir, "rootfs"), _dir);
        Assert.Contains(none.Linux!.Namespaces!, n => n.Type == "network" && n.Path is null);
    }

    [Fact]
    public void Defaults_AreDockers()
    {
        var spec = SpecBuilder.Build(Make(), Path.Combine(_dir, "rootfs"), _dir);
        Assert.Equal(Quai.Runtime.Security.Capabilities.DockerDefault.Order(), spec.Process!.Capabilities!.Bounding!.Order());
        Assert.NotNull(spec.Linux!.Seccomp);
        Assert.Contains("/proc/kcore", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sys", spec.Linux.ReadonlyPaths!);
        Assert.Equal("/quai/" + new string('a', 64), spec.Linux.CgroupsPath);
        Assert.Contains(spec.Mounts!, m => m.Destination == "/dev/shm" && m.Options!.Contains("size=67108864"));
        Assert.Contains(spec.Mounts!, m => m.Destination == "/etc/hostname" && m.Source == Path.Combine(_dir, "hostname"));
        Assert.Contains("HOME=/root", spec.Process.Env!);
        Assert.Contains(spec.Linux.Namespaces!, n => n.Type == "network");
        Assert.False(spec.Process.NoNewPrivileges);
    }

    [Theory]
    [InlineData(Quai.Runtime.Cgroups.CgroupMode.Unified, true)]
    [InlineData(Quai.Runtime.Cgroups.CgroupMode.Hybrid, false)]
    [InlineData(Quai.Runtime.Cgroups.CgroupMode.Legacy, false)]
    public void CgroupNamespace_IsPrivateOnV2Only(Quai.Runtime.Cgroups.CgroupMode mode, bool expected)
    {
        // Docker's default --cgroupns: private on a cgroup v2 host, host on v1.
        var namespaces = SpecBuilder.Namespaces(new HostConfig(), mode);
        Assert.Equal(expected, namespaces.Any(n => n.Type == "cgroup"));
    }

    [Fact]
    public void HostConfig_Overrides()
    {
        var spec = SpecBuilder.Build(Make(c =>
        {
            c.Config.User = "app";
            c.HostConfig = new HostConfig
            {
                Memory = 64 << 20, NanoCpus = 1_500_000_000, PidsLimit = 20, CapAdd = ["SYS_ADMIN"], CapDrop = ["chown"],
                ReadonlyRootfs = true, SecurityOpt = ["seccomp=unconfined", "no-new-privileges"], NetworkMode = "host",
                Ulimits = [new Ulimit { Name = "nofile", Soft = 10, Hard = 20 }], OomScoreAdj = 500,
            };
        }), Path.Combine(_dir, "rootfs"), _dir);
        Assert.Equal(64L << 20, spec.Linux!.Resources!.Memory!.Limit);
        Assert.Equal(150000, spec.Linux.Resources.Cpu!.Quota);
        Assert.Equal(20, spec.Linux.Resources.Pids!.Limit);
        Assert.Contains("CAP_SYS_ADMIN", spec.Process!.Capabilities!.Bounding!);
        Assert.DoesNotContain("CAP_CHOWN", spec.Process.Capabilities.Bounding!);
        Assert.Empty(spec.Process.Capabilities.Effective!); // non-root user
        Assert.Equal((100u, 101u), (spec.Process.User.Uid, spec.Process.User.Gid));
        Assert.True(spec.Root!.Readonly);
        Assert.Null(spec.Linux.Seccomp);
        Assert.True(spec.Process.NoNewPrivileges);
        Assert.DoesNotContain(spec.Linux.Namespaces!, n => n.Type == "network");
        Assert.Equal("RLIMIT_NOFILE", spec.Process.Rlimits!.Single().Type);
        Assert.Equal(500, spec.Process.OomScoreAdj);
    }

    [Fact]
    public void Privileged_HasAllCapsNoSeccompNoMasks()
    {
        var spec = SpecBuilder.Build(Make(c => c.HostConfig.Privileged = true), Path.Combine(_dir, "rootfs"), _dir);
        Assert.Contains("CAP_SYS_ADMIN", spec.Process!.Capabilities!.Bounding!);
        Assert.Null(spec.Linux!.Seccomp);
        Assert.Null(spec.Linux.MaskedPaths);
    }

    [Fact]
    public void UnknownCapability_IsAUsageError()
    {
        Assert.Throws<EngineUsageException>(() => SpecBuilder.Capabilities(new HostConfig { CapAdd = ["NOPE"] }));
        Assert.Empty(SpecBuilder.Capabilities(new HostConfig { CapDrop = ["ALL"] }));
    }
}
