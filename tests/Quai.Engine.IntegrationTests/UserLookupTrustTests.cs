namespace Quai.Engine.IntegrationTests;

/// <summary>USER / -u lookup reads the container's /etc/passwd and /etc/group inside its root: a link to a
/// host file, to /dev/zero or a FIFO planted there cannot resolve users from the host, exhaust memory or hang.</summary>
public sealed class UserLookupTrustTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _hostDir = Directory.CreateTempSubdirectory("qit-ul-").FullName;

    public void Dispose() => Directory.Delete(_hostDir, true);

    private string Running(string user = "root")
    {
        var name = QuaiHost.Unique("ul");
        q.Ok("run", "-d", "--name", name, "-u", user, "bb", "sleep", "120");
        return name;
    }

    [Fact]
    public void ExecUser_FromALinkToAHostFile_IsNotResolvedOnTheHost()
    {
        var hostPasswd = Path.Combine(_hostDir, "passwd");
        File.WriteAllText(hostPasswd, "ghost:x:4242:4242::/:/bin/sh\n");
        var c = Running();
        q.Ok("exec", c, "sh", "-c", $"busybox rm /etc/passwd; ln -s {hostPasswd} /etc/passwd");
        var r = q.Run("exec", "-u", "ghost", c, "id", "-u");
        Assert.NotEqual(0, r.Code);
        Assert.DoesNotContain("4242", r.Out);
        // the same name in the container's own file at that path is found: resolution is in its root
        q.Ok("exec", c, "sh", "-c", $"mkdir -p {_hostDir}; echo 'ghost:x:777:777::/:/bin/sh' > {hostPasswd}");
        Assert.Equal("777", q.Ok("exec", "-u", "ghost", c, "id", "-u"));
        q.Ok("rm", "-f", c);
    }

    [Fact]
    public void ExecUser_WithPasswdLinkedToDevZero_FailsAtOnce()
    {
        var c = Running();
        q.Ok("exec", c, "sh", "-c", "busybox rm /etc/passwd; ln -s /dev/zero /etc/passwd");
        var r = q.RunWith(null, TimeSpan.FromSeconds(20), "exec", "-u", "user", c, "true");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("/etc/passwd", r.Err);
        Assert.Contains("not a regular file", r.Err);
        q.Ok("rm", "-f", c);
    }

    [Fact]
    public void Start_WithPasswdReplacedByAFifo_FailsInsteadOfHanging()
    {
        var c = Running("user");
        q.Ok("exec", "-u", "root", c, "sh", "-c", "busybox rm /etc/passwd; busybox mkfifo /etc/passwd");
        q.Ok("stop", "-t", "1", c);
        var r = q.RunWith(null, TimeSpan.FromSeconds(30), "start", c);
        Assert.NotEqual(0, r.Code);
        Assert.Contains("not a regular file", r.Err + q.Run("logs", c).Err + q.Inspect(c, "{{.State.Error}}"));
        q.Ok("rm", "-f", c);
    }
}
