namespace Quai.Daemon.IntegrationTests;

/// <summary>The real docker CLI (28.x) against `quai daemon`: the scenario of issue 11's first slice
/// (version, info, load, images, run -d, ps, logs, inspect, stop/start/rm, volumes, run --rm), and the
/// shared store: what one front creates, the other sees.</summary>
public sealed class DockerCliTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private DaemonHost H => fixture.Host;

    [Fact]
    public void Version_and_info_print_the_server()
    {
        var v = H.Ok("version");
        Assert.Contains("Server:", v);
        Assert.Matches(@"API version:\s+1\.50", v);
        var info = H.Ok("info");
        Assert.Contains("Server Version: 28.2.2", info);
        Assert.Contains("Docker Root Dir: " + H.Root, info);
        Assert.Equal("linux", H.Ok("version", "--format", "{{.Server.Os}}"));
    }

    [Fact]
    public void Loaded_image_is_listed_and_inspected()
    {
        fixture.EnsureLoaded();
        Assert.Contains("bb:latest", H.Ok("images", "--format", "{{.Repository}}:{{.Tag}}").Split('\n'));
        Assert.Equal("linux", H.Ok("image", "inspect", "-f", "{{.Os}}", "bb"));
        Assert.Contains("bb", H.Quai("images", "--format", "{{.Repository}}").Out);
        // history and tag go through the same store
        var tag = DaemonHost.Unique("tagged");
        H.Ok("tag", "bb", tag + ":v1");
        Assert.Contains($"{tag}:v1", H.Quai("images", "--format", "{{.Repository}}:{{.Tag}}").Out);
        Assert.NotEmpty(H.Ok("history", "-q", "bb"));
        H.Ok("rmi", tag + ":v1");
        Assert.DoesNotContain(tag, H.Ok("images", "--format", "{{.Repository}}"));
    }

    [Fact]
    public void Detached_container_lifecycle()
    {
        fixture.EnsureLoaded();
        var name = DaemonHost.Unique("life");
        var id = H.Ok("run", "-d", "--name", name, "-e", "GREETING=hello", "--label", "suite=daemon", "bb", "sh", "-c", "echo $GREETING; echo oops >&2; sleep 60");
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.True(DaemonHost.Eventually(() => H.Docker("logs", name).Out.Contains("hello"), TimeSpan.FromSeconds(10)), H.DaemonLog);
        var logs = H.Docker("logs", name);
        Assert.Equal("hello", logs.Out.Trim()); // the multiplexed frames split stdout from stderr
        Assert.Equal("oops", logs.Err.Trim());
        Assert.Contains($"{name} running", H.Ok("ps", "--format", "{{.Names}} {{.State}}").Split('\n'));
        Assert.Contains(name, H.Ok("ps", "--filter", "label=suite=daemon", "--format", "{{.Names}}"));
        Assert.DoesNotContain(name, H.Ok("ps", "--filter", "label=suite=other", "--format", "{{.Names}}"));
        Assert.Contains(name, H.Quai("ps", "--format", "{{.Names}}").Out); // the CLI sees what the API created
        Assert.Equal("true", H.Ok("inspect", "-f", "{{.State.Running}}", name));
        Assert.Equal(id, H.Ok("inspect", "-f", "{{.Id}}", name));
        Assert.Contains("GREETING=hello", H.Ok("inspect", "-f", "{{range .Config.Env}}{{.}} {{end}}", name));

        Assert.Contains("sleep 60", H.Ok("top", name));

        H.Ok("stop", "-t", "1", name);
        Assert.Equal("false", H.Ok("inspect", "-f", "{{.State.Running}}", name));
        Assert.Equal("exited", H.Quai("inspect", "-f", "{{.State.Status}}", name).Out.Trim());
        Assert.DoesNotContain(name, H.Ok("ps", "--format", "{{.Names}}"));
        Assert.Contains(name, H.Ok("ps", "-a", "--format", "{{.Names}}"));

        H.Ok("start", name);
        Assert.Equal("true", H.Ok("inspect", "-f", "{{.State.Running}}", name));
        var rm = H.Docker("rm", name);
        Assert.NotEqual(0, rm.Code); // running: refused, as dockerd does
        Assert.Contains("stop the container before removing or force remove", rm.Err);
        H.Ok("rm", "-f", name);
        Assert.DoesNotContain(name, H.Quai("ps", "-a", "--format", "{{.Names}}").Out);
        var gone = H.Docker("inspect", name);
        Assert.Equal(1, gone.Code);
        Assert.Contains("No such object", gone.Err + gone.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Container_made_by_quai_is_managed_by_docker()
    {
        fixture.EnsureLoaded();
        var name = DaemonHost.Unique("fromcli");
        var r = H.Quai("run", "-d", "--name", name, "bb", "sleep", "60");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains(name, H.Ok("ps", "--format", "{{.Names}}"));
        H.Ok("rm", "-f", name);
        Assert.DoesNotContain(name, H.Quai("ps", "-a", "--format", "{{.Names}}").Out);
    }

    [Fact]
    public void Containers_outlive_a_killed_daemon()
    {
        fixture.EnsureLoaded();
        var name = DaemonHost.Unique("survivor");
        H.Ok("run", "-d", "--name", name, "bb", "sleep", "60");
        H.KillAndRestartDaemon();
        Assert.Equal("running", H.Quai("inspect", "-f", "{{.State.Status}}", name).Out.Trim()); // its monitor is not the daemon's
        Assert.Contains(name, H.Ok("ps", "--format", "{{.Names}}"));
        H.Ok("stop", "-t", "1", name);
        Assert.Equal("exited", H.Ok("inspect", "-f", "{{.State.Status}}", name));
        H.Ok("rm", name);
    }

    [Fact]
    public void Run_rm_prints_the_output_and_passes_the_exit_code()
    {
        fixture.EnsureLoaded();
        var r = H.Docker("run", "--rm", "bb", "echo", "hi");
        Assert.True(r.Code == 0, r + "\n" + H.DaemonLog);
        Assert.Equal("hi", r.Out.Trim());
        var failed = H.Docker("run", "--rm", "bb", "sh", "-c", "echo bye >&2; exit 3");
        Assert.Equal(3, failed.Code);
        Assert.Equal("bye", failed.Err.Trim());
        var piped = H.DockerWith("from stdin\n", "run", "--rm", "-i", "bb", "cat");
        Assert.True(piped.Code == 0, piped.ToString());
        Assert.Equal("from stdin", piped.Out.Trim());
        Assert.Equal("", H.Quai("ps", "-aq").Out.Trim()); // --rm: nothing left
    }

    [Fact]
    public void Volumes_are_created_listed_and_removed()
    {
        var name = DaemonHost.Unique("vol");
        Assert.Equal(name, H.Ok("volume", "create", name));
        Assert.Contains(name, H.Ok("volume", "ls", "-q").Split('\n'));
        Assert.Contains(name, H.Quai("volume", "ls", "-q").Out);
        Assert.Equal("local", H.Ok("volume", "inspect", "-f", "{{.Driver}}", name));
        H.Ok("volume", "rm", name);
        Assert.DoesNotContain(name, H.Ok("volume", "ls", "-q"));
        var missing = H.Docker("volume", "rm", name);
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("no such volume", missing.Err);
    }
}

/// <summary>One daemon (and store) for the tests of a class; the image is loaded once through `docker load`.</summary>
public sealed class DaemonFixture : IDisposable
{
    public DaemonHost Host { get; } = new();
    private bool _loaded;

    public void EnsureLoaded()
    {
        if (_loaded) return;
        var r = Host.Docker("load", "-i", Host.ImageTar);
        Assert.True(r.Code == 0, r + "\n" + Host.DaemonLog);
        Assert.Contains("Loaded image: bb:latest", r.Out);
        _loaded = true;
    }

    public void Dispose() => Host.Dispose();
}
