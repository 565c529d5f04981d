namespace Quai.Engine.IntegrationTests;

/// <summary>Mount and sysctl options that used to reach the host: a relative bind source resolved
/// against the bundle, tmpfs options that turn a tmpfs into a bind mount, host-global sysctls.
/// Each must be refused before a container exists, or mean what the docker CLI makes it mean.</summary>
public sealed class MountValidationTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private void AssertNoContainerLeft(string name) =>
        Assert.Equal("", q.Ok("ps", "-a", "-q", "--filter", "name=" + name));

    [Fact]
    public void Dot_relative_bind_sources_are_the_callers_directory()
    {
        var cwd = Directory.CreateTempSubdirectory("quai-cwd-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(cwd, "data"));
            File.WriteAllText(Path.Combine(cwd, "data", "marker"), "from-cwd");
            var v = q.RunIn(cwd, null, TimeSpan.FromSeconds(60), "run", "--rm", "-v", "./data:/m:ro", "bb", "cat", "/m/marker");
            Assert.True(v.Code == 0, v.ToString());
            Assert.Equal("from-cwd", v.Out.Trim());
            var m = q.RunIn(cwd, null, TimeSpan.FromSeconds(60), "run", "--rm", "--mount", "type=bind,src=./data,dst=/m", "bb", "cat", "/m/marker");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Equal("from-cwd", m.Out.Trim());
        }
        finally { Directory.Delete(cwd, true); }
    }

    [Theory]
    [InlineData("type=bind,src=..,dst=/m")]
    [InlineData("type=bind,src=../..,dst=/m")]
    [InlineData("type=bind,source=containers,dst=/m")]
    public void Other_relative_bind_sources_are_refused(string mount)
    {
        var name = QuaiHost.Unique("relbind");
        // run from inside the store: a source resolved against the bundle or the cwd would exist
        var r = q.RunIn(q.Root, null, TimeSpan.FromSeconds(60), "run", "--rm", "--name", name, "--mount", mount, "bb", "ls", "/m");
        Assert.Equal(125, r.Code);
        Assert.Contains("mount path must be absolute", r.Err);
        AssertNoContainerLeft(name);
        var v = q.RunIn(q.Root, null, TimeSpan.FromSeconds(60), "run", "--rm", "--name", name, "-v", "../x:/m", "bb", "ls", "/m");
        Assert.Equal(125, v.Code);
        Assert.Contains("mount path must be absolute", v.Err);
        AssertNoContainerLeft(name);
    }

    [Theory]
    [InlineData("/x:rbind", "Invalid tmpfs option [\"rbind\"]")]
    [InlineData("/x:bind", "Invalid tmpfs option [\"bind\"]")]
    [InlineData("/x:size=1m,remount", "Invalid tmpfs option [\"remount\"]")]
    [InlineData("/x:tmpcopyup", "Invalid tmpfs option [\"tmpcopyup\"]")]
    [InlineData("/x:source=/etc", "Invalid tmpfs option [\"source\" \"/etc\"]")]
    [InlineData("/", "destination can't be '/'")]
    [InlineData("x", "mount path must be absolute")]
    public void Tmpfs_takes_only_dockers_options(string tmpfs, string error)
    {
        var name = QuaiHost.Unique("tmpfsopt");
        var r = q.Run("create", "--name", name, "--tmpfs", tmpfs, "bb", "true");
        Assert.Equal(125, r.Code);
        Assert.Contains(error, r.Err);
        AssertNoContainerLeft(name);
    }

    [Fact]
    public void Tmpfs_options_docker_allows_take_effect()
    {
        var line = q.Ok("run", "--rm", "--tmpfs", "/x:size=1m,mode=1770,exec,uid=7", "bb", "sh", "-c", "grep ' /x ' /proc/mounts; stat -c '%a %u' /x");
        Assert.Contains("size=1024k", line);
        Assert.Contains("mode=1770", line);
        Assert.DoesNotContain("noexec", line);
        Assert.EndsWith("1770 7", line);
        var ro = q.Ok("run", "--rm", "--mount", "type=tmpfs,dst=/y,readonly,tmpfs-mode=700", "bb", "sh", "-c", "grep ' /y ' /proc/mounts; touch /y/f 2>&1 || true");
        Assert.Contains(" ro,", ro);
        Assert.Contains("Read-only file system", ro);
        var bad = q.Run("create", "--mount", "type=tmpfs,dst=/y,tmpfs-mode=1777x", "bb", "true");
        Assert.Equal(125, bad.Code);
        Assert.Contains("invalid value for tmpfs-mode: 1777x", bad.Err);
    }

    [Theory]
    [InlineData("kernel.core_pattern=|/tmp/quai-pwn", "not in a separate kernel namespace")]
    [InlineData("vm.overcommit_memory=1", "not in a separate kernel namespace")]
    [InlineData("kernel.hostname=x", "set the hostname instead")]
    public void Host_global_sysctls_are_refused_at_create(string sysctl, string error)
    {
        var before = File.ReadAllText("/proc/sys/kernel/core_pattern");
        var name = QuaiHost.Unique("sysctl");
        var r = q.Run("create", "--name", name, "--sysctl", sysctl, "bb", "true");
        Assert.Equal(125, r.Code);
        Assert.Contains(error, r.Err);
        AssertNoContainerLeft(name);
        Assert.Equal(before, File.ReadAllText("/proc/sys/kernel/core_pattern"));
    }

    [Fact]
    public void Network_sysctls_need_the_containers_own_network_namespace()
    {
        Assert.Equal("1", q.Ok("run", "--rm", "--sysctl", "net.ipv4.ip_forward=1", "bb", "cat", "/proc/sys/net/ipv4/ip_forward"));
        var name = QuaiHost.Unique("sysctl");
        var r = q.Run("create", "--name", name, "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "bb", "true");
        Assert.Equal(125, r.Code);
        Assert.Contains("not allowed in the host's network namespace", r.Err);
        AssertNoContainerLeft(name);
    }
}
