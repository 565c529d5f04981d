namespace Quai.Engine.IntegrationTests;

/// <summary>Where Quai used to differ from Docker in what a command does (issue 12, "Semantics that differ"):
/// volumes filled from the image, negative flag values, capabilities of --privileged, and Docker's refusals.</summary>
public sealed class SemanticsParityTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void NewNamedVolume_IsFilledFromTheImage_ButNotWithNocopy_AndNeverWhenItHasContent()
    {
        var v = QuaiHost.Unique("prefill");
        var nc = QuaiHost.Unique("nocopy");
        try
        {
            // -v v:/etc keeps the image's /etc/passwd (Docker's copy-up), and the copy happens once
            Assert.Contains("root:x:0:0", q.Ok("run", "--rm", "-v", v + ":/etc", "bb", "cat", "/etc/passwd"));
            q.Ok("run", "--rm", "-v", v + ":/etc", "bb", "sh", "-c", "busybox rm /etc/passwd; echo mine > /etc/own");
            Assert.Equal("group\nnotexec\nown", q.Ok("run", "--rm", "-v", v + ":/etc", "bb", "ls", "/etc"));
            // nocopy: the empty volume stays empty
            Assert.Equal("", q.Ok("run", "--rm", "-v", nc + ":/etc:nocopy", "bb", "ls", "/etc"));
        }
        finally
        {
            q.Run("volume", "rm", v);
            q.Run("volume", "rm", nc);
        }
    }

    [Fact]
    public void ImageVolume_KeepsTheImagesContent_OwnerAndMode()
    {
        using var b = new BuildDir(q);
        var tag = b.Tag("volimg");
        b.Write("Dockerfile", "FROM bb\nRUN mkdir -p /srv/data && echo seed > /srv/data/f && ln -s /etc/passwd /srv/data/link && busybox chown -R 1000:1000 /srv/data && busybox chmod 0750 /srv/data\nVOLUME /srv/data\n");
        b.Ok("-t", tag);
        try
        {
            Assert.Equal("seed", q.Ok("run", "--rm", tag, "cat", "/srv/data/f"));
            var listing = q.Ok("run", "--rm", tag, "ls", "-ln", "/srv");
            Assert.Matches(@"drwxr-x---\s+\d+\s+1000\s+1000", listing);
            // a symlink in the image is copied as a link, not followed on the host
            Assert.Equal("/etc/passwd", q.Ok("run", "--rm", tag, "sh", "-c", "busybox readlink /srv/data/link"));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void NegativeValues_AreAcceptedWhereDockerAcceptsThem()
    {
        Assert.Equal("ok", q.Ok("run", "--rm", "-m", "64m", "--memory-swap", "-1", "--pids-limit", "-1", "bb", "echo", "ok"));
        var name = QuaiHost.Unique("tail");
        try
        {
            // lowering oom_score_adj needs CAP_SYS_RESOURCE, which this host lacks: the value is checked as recorded
            q.Ok("create", "--name", name, "--oom-score-adj", "-500", "--memory-swap", "-1", "-m", "64m", "bb", "true");
            Assert.Equal("-500 -1", q.Inspect(name, "{{.HostConfig.OomScoreAdj}} {{.HostConfig.MemorySwap}}"));
            q.Ok("rm", name);
            q.Ok("run", "--name", name, "bb", "sh", "-c", "echo one; echo two");
            Assert.Equal("one\ntwo", q.Ok("logs", "--tail", "-1", name));
            Assert.Equal("two", q.Ok("logs", "--tail", "1", name));
        }
        finally { q.Run("rm", "-f", name); }
        // `volume create` is not `create`: its flags stay flags
        var vol = QuaiHost.Unique("vflags");
        try { Assert.Equal("b", q.Ok("volume", "inspect", "-f", "{{index .Labels \"a\"}}", q.Ok("volume", "create", "-d", "local", "--label", "a=b", vol))); }
        finally { q.Run("volume", "rm", vol); }
        // a negative number where no flag takes it is still an unknown flag
        var bad = q.Run("rm", "-1");
        Assert.Equal(125, bad.Code);
        Assert.Contains("unknown flag: -1", bad.Err);
    }

    [Fact]
    public void PrivilegedAndCapAddAll_GiveWhatTheBoundingSetHas()
    {
        var bounding = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapBnd:")).Split('\t')[1].Trim();
        Assert.Equal(bounding, q.Ok("run", "--rm", "--privileged", "bb", "sh", "-c", "grep CapEff /proc/self/status | busybox cut -f2"));
        var all = Convert.ToUInt64(bounding, 16);
        var withoutNetRaw = all & ~(1UL << 13);
        Assert.Equal(withoutNetRaw.ToString("x16"), q.Ok("run", "--rm", "--cap-add", "ALL", "--cap-drop", "NET_RAW", "bb", "sh", "-c", "grep CapEff /proc/self/status | busybox cut -f2"));
    }

    [Theory]
    [InlineData("invalid mode: bogus", "-v", "/tmp:/x:bogus")]
    [InlineData("invalid mode: ro,rw", "-v", "/tmp:/x:ro,rw")]
    [InlineData("You should always set the Memory limit when using Memoryswap limit, see usage", "--memory-swap", "100m")]
    [InlineData("Minimum memoryswap limit should be larger than memory limit, see usage", "-m", "100m", "--memory-swap", "50m")]
    [InlineData("Invalid --security-opt: \"bogus\"", "--security-opt", "bogus")]
    [InlineData("invalid --security-opt 2: \"foo=bar\"", "--security-opt", "foo=bar")]
    [InlineData("open /nonexistent-env-file: no such file or directory", "--env-file", "/nonexistent-env-file")]
    public void BadRunFlags_AreRefusedWithDockersMessage_AndCreateNothing(string message, params string[] flags)
    {
        var name = QuaiHost.Unique("bad");
        var r = q.Run(["run", "--rm", "--name", name, .. flags, "bb", "true"]);
        Assert.Equal(125, r.Code);
        Assert.Contains(message, r.Err);
        Assert.NotEqual(0, q.Run("inspect", name).Code);
    }

    [Fact]
    public void GoodModes_AreAccepted()
    {
        var dir = Directory.CreateTempSubdirectory("quai-mode-").FullName;
        try { Assert.Equal("", q.Ok("run", "--rm", "-v", dir + ":/x:ro,z,rslave", "bb", "true")); }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void PsStatusFilter_MustBeAState_AndRmForceOfAMissingContainerSucceeds()
    {
        var ps = q.Run("ps", "--filter", "status=bogus");
        Assert.Equal(1, ps.Code);
        Assert.Contains("invalid filter 'status=bogus'", ps.Err);
        var rm = q.Run("rm", "-f", "no-such-container-q");
        Assert.Equal(0, rm.Code);
        Assert.Equal("", rm.Out); // Docker echoes only what it removed
        Assert.Contains("No such container: no-such-container-q", rm.Err);
    }
}
