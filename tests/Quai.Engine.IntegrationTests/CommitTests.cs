namespace Quai.Engine.IntegrationTests;

/// <summary><c>commit</c>: a container's changes and config become an image that runs, of a stopped container and
/// of a running one (frozen for the copy), without a symlink the container planted ever reaching a host file.</summary>
public sealed class CommitTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _bait = Directory.CreateTempSubdirectory("qit-commit-").FullName;

    public void Dispose() => Directory.Delete(_bait, true);

    [Fact]
    public void Commit_MakesAnImageOfTheChangesAndTheConfig_StoppedAndRunning()
    {
        File.WriteAllText(Path.Combine(_bait, "secret"), "host-only");
        var name = QuaiHost.Unique("cmt");
        var image = QuaiHost.Unique("cmtimg");
        try
        {
            q.Ok("run", "--name", name, "-e", "FROM_RUN=yes", "-w", "/work", "bb", "sh", "-c",
                $"echo made > /work/file; busybox rm /etc/hostname 2>/dev/null; ln -s {_bait} /bait; ln -s {_bait}/secret /secret");
            var id = q.Ok("commit", "-m", "first commit", "-a", "tester", "-c", "ENV ADDED=1", "-c", "CMD [\"cat\", \"/work/file\"]", name, image + ":v1");
            Assert.Matches("^sha256:[0-9a-f]{64}$", id);
            // the image runs what was committed, with the container's config and the changes
            Assert.Equal("made", q.Ok("run", "--rm", image + ":v1"));
            var env = q.Ok("run", "--rm", image + ":v1", "env");
            Assert.Contains("FROM_RUN=yes", env);
            Assert.Contains("ADDED=1", env);
            Assert.Equal("/work", q.Ok("run", "--rm", image + ":v1", "pwd"));
            Assert.Equal("tester", q.Ok("image", "inspect", "-f", "{{.Author}}", image + ":v1"));
            Assert.Contains("first commit", q.Ok("history", image + ":v1"));
            // links are committed as links: the host file behind them is not in the image
            Assert.Equal(_bait, q.Ok("run", "--rm", image + ":v1", "busybox", "readlink", "/bait"));
            Assert.DoesNotContain("host-only", q.Ok("run", "--rm", image + ":v1", "sh", "-c", "cat /secret 2>/dev/null; true"));
            q.Ok("rm", name);

            // a running container: frozen for the copy, running again afterwards
            q.Ok("run", "-d", "--name", name, "bb", "sh", "-c", "echo live > /live; touch /ready; sleep 60");
            Assert.True(QuaiHost.Eventually(() => q.Run("exec", name, "test", "-f", "/ready").Code == 0, TimeSpan.FromSeconds(10)));
            q.Ok("commit", name, image + ":v2");
            Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
            Assert.Equal("live", q.Ok("run", "--rm", image + ":v2", "cat", "/live"));
            q.Ok("rm", "-f", name);
            q.Ok("rmi", image + ":v1", image + ":v2");
        }
        finally
        {
            q.Run("rm", "-f", name);
            q.Run("rmi", "-f", image + ":v1", image + ":v2");
        }
    }

    [Fact]
    public void Commit_OfAMissingContainer_FailsLikeDocker()
    {
        var r = q.Run("commit", "no-such-container-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(1, r.Code);
        Assert.Contains("No such container", r.Err);
    }
}
