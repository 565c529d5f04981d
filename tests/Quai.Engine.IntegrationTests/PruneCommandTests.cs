using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Quai.Engine.IntegrationTests;

/// <summary>system prune, the prune filters, ps before/since, system df -v, import from a URL, and Docker's
/// commands Quai does not have.</summary>
public sealed class PruneCommandTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void ContainerPrune_Filters_ByLabelAndAge()
    {
        var keep = QuaiHost.Unique("pk");
        var drop = QuaiHost.Unique("pd");
        try
        {
            q.Ok("create", "--name", keep, "--label", "keep=yes", "bb", "true");
            var dropId = q.Ok("create", "--name", drop, "--label", "keep=no", "bb", "true");
            // nothing is older than an hour
            Assert.DoesNotContain("Deleted Containers", q.Ok("container", "prune", "-f", "--filter", "until=1h"));
            var pruned = q.Ok("container", "prune", "-f", "--filter", "label!=keep=yes");
            Assert.Contains("Deleted Containers:\n" + dropId + "\n", pruned);
            Assert.Contains("Total reclaimed space: ", pruned);
            Assert.Equal(0, q.Run("inspect", keep).Code);
            Assert.NotEqual(0, q.Run("inspect", drop).Code);
            var bad = q.Run("container", "prune", "-f", "--filter", "colour=red");
            Assert.Equal(125, bad.Code);
            Assert.Contains("invalid filter 'colour'", bad.Err);
            Assert.Equal(0, q.Run("inspect", keep).Code);
        }
        finally { q.Run("rm", "-f", keep, drop); }
    }

    [Fact]
    public void Ps_FiltersBeforeAndSince()
    {
        var a = QuaiHost.Unique("psa");
        var b = QuaiHost.Unique("psb");
        var c = QuaiHost.Unique("psc");
        try
        {
            foreach (var n in new[] { a, b, c }) { q.Ok("create", "--name", n, "bb", "true"); Thread.Sleep(20); }
            string Names(string f) => string.Join(",", q.Ok("ps", "-a", "--filter", f, "--format", "{{.Names}}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(x => x == a || x == b || x == c));
            Assert.Equal(a, Names("before=" + b));
            Assert.Equal(c, Names("since=" + b));
            Assert.Equal($"{c},{b}", Names("since=" + a));
            var bad = q.Run("ps", "--filter", "before=nosuch");
            Assert.Equal(1, bad.Code);
            Assert.Contains("No such container: nosuch", bad.Err);
        }
        finally { q.Run("rm", "-f", a, b, c); }
    }

    [Fact]
    public void SystemPrune_AsksAsDocker_ThenRemovesStoppedContainersAndDanglingImages()
    {
        var name = QuaiHost.Unique("sp");
        var tag = QuaiHost.Unique("spimg");
        try
        {
            var id = q.Ok("create", "--name", name, "bb", "true");
            // a dangling image: commit a container twice under one tag, the first loses it
            q.Ok("commit", name, tag);
            var imageId = q.Ok("image", "inspect", "-f", "{{.Id}}", tag);
            Thread.Sleep(1100);
            q.Ok("commit", "-m", "again", name, tag);
            Assert.NotEqual(imageId, q.Ok("image", "inspect", "-f", "{{.Id}}", tag));
            var no = q.RunWith("n\n", TimeSpan.FromSeconds(30), "system", "prune");
            Assert.Equal(0, no.Code);
            Assert.Equal("WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] ", no.Out);
            Assert.Equal(0, q.Run("inspect", name).Code);
            var withFilter = q.RunWith("n\n", TimeSpan.FromSeconds(30), "system", "prune", "-a", "--volumes", "--filter", "label=x");
            Assert.Contains("  - all anonymous volumes not used by at least one container\n", withFilter.Out);
            Assert.Contains("  - all images without at least one container associated to them\n", withFilter.Out);
            Assert.Contains("\n  Items to be pruned will be filtered with:\n  - label=x\n\nAre you sure", withFilter.Out);

            var yes = q.RunWith("y\n", TimeSpan.FromSeconds(60), "system", "prune");
            Assert.Equal(0, yes.Code);
            Assert.Contains("Deleted Containers:\n" + id + "\n\n", yes.Out);
            Assert.Contains("Deleted Images:\n", yes.Out);
            Assert.Contains("deleted: " + imageId, yes.Out);
            Assert.Matches(@"Total reclaimed space: \d+(\.\d+)?[kMG]?B\n$", yes.Out);
            Assert.NotEqual(0, q.Run("inspect", name).Code);
            Assert.Equal(0, q.Run("image", "inspect", "bb").Code); // a tagged image stays
        }
        finally { q.Run("rm", "-f", name); q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void ImagePrune_UntilFilter_KeepsNewerImages()
    {
        var tag = QuaiHost.Unique("ipu");
        var name = QuaiHost.Unique("ipc");
        try
        {
            q.Ok("create", "--name", name, "bb", "true");
            q.Ok("commit", "-c", "LABEL prunetest=" + tag, name, tag);
            q.Ok("rm", name);
            Assert.DoesNotContain(tag, q.Ok("image", "prune", "-a", "-f", "--filter", "until=1h", "--filter", "label=prunetest=" + tag));
            Assert.Equal(0, q.Run("image", "inspect", tag).Code);
            Thread.Sleep(1100);
            // the label keeps the fixture's own image out of it
            var pruned = q.Ok("image", "prune", "-a", "-f", "--filter", "until=1s", "--filter", "label=prunetest=" + tag);
            Assert.Contains("untagged: " + tag, pruned.Replace("docker.io/library/", ""));
            Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        }
        finally
        {
            q.Run("rm", "-f", name); q.Run("rmi", "-f", tag);
            // the fixture's image is needed by the other tests: bring it back if until=0s took it
            if (q.Run("image", "inspect", "bb").Code != 0) throw new InvalidOperationException("bb was pruned");
        }
    }

    [Fact]
    public void SystemDfVerbose_FillsEveryRow()
    {
        var name = QuaiHost.Unique("dfv");
        var vol = QuaiHost.Unique("dfvol");
        try
        {
            q.Ok("run", "--name", name, "-v", vol + ":/data", "bb", "dd", "if=/dev/zero", "of=/data/f", "bs=1000", "count=100");
            var text = q.Ok("system", "df", "-v");
            Assert.Contains("Images space usage:\n\nREPOSITORY", text);
            Assert.Matches(@"\nbb\s+latest\s+[0-9a-f]{12}\s+.+ago\s+\d\S*B\s+\d\S*B\s+\d\S*B\s+[1-9]\d*\n", text);
            Assert.Contains("Containers space usage:\n\nCONTAINER ID", text);
            Assert.Matches(@"\n[0-9a-f]{12}\s+bb\s+""dd if=[^""\n]*""\s+1\s+\S+\s+.+ago\s+Exited \(0\) .+ ago\s+" + name + "\n", text);
            Assert.Contains("Local Volumes space usage:\n\nVOLUME NAME", text);
            Assert.Matches(vol + @"\s+1\s+100kB\n", text);
            Assert.Contains("Build cache usage: ", text);
        }
        finally { q.Run("rm", "-f", name); q.Run("volume", "rm", "-f", vol); }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public void Import_FromAnHttpUrl_StreamsTheTarball_AndErrorsNameTheUrl()
    {
        var dir = Directory.CreateTempSubdirectory("qimp-").FullName;
        var port = FreePort();
        var tag = QuaiHost.Unique("urlimg");
        using (var f = File.Create(Path.Combine(dir, "root.tar")))
        using (var w = new TarWriter(f, TarEntryFormat.Pax))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "bin/") { Mode = (UnixFileMode)0x1ED });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = (UnixFileMode)0x1ED, DataStream = File.OpenRead("/usr/bin/busybox") });
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/cat") { LinkName = "busybox" });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "hello") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes("from the web\n")) });
        }
        var psi = new ProcessStartInfo("python3", ["-m", "http.server", "--bind", "127.0.0.1", port.ToString()]) { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        using var server = Process.Start(psi)!;
        try
        {
            var url = $"http://127.0.0.1:{port}/root.tar";
            Assert.True(QuaiHost.Eventually(() =>
            {
                try { using var c = new TcpClient("127.0.0.1", port); return true; } catch (SocketException) { return false; }
            }, TimeSpan.FromSeconds(10)));
            var id = q.Ok("import", url, tag);
            Assert.StartsWith("sha256:", id);
            Assert.Equal("from the web", q.Ok("run", "--rm", tag, "/bin/cat", "/hello"));
            Assert.Contains("Imported from " + url, q.Ok("history", "--no-trunc", "--format", "{{.Comment}}", tag));

            var missing = q.Run("import", $"http://127.0.0.1:{port}/nosuch.tar");
            Assert.Equal(1, missing.Code);
            Assert.Contains($"failed to GET http://127.0.0.1:{port}/nosuch.tar with status 404", missing.Err);
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
            q.Run("rmi", "-f", tag);
            Directory.Delete(dir, true);
        }
        var refused = q.Run("import", $"http://127.0.0.1:{port}/root.tar");
        Assert.Equal(1, refused.Code);
        Assert.Contains($"http://127.0.0.1:{port}/root.tar", refused.Err);
        var scheme = q.Run("import", "ftp://example.invalid/x.tar");
        Assert.Equal(125, scheme.Code);
        Assert.Contains("unsupported URL scheme", scheme.Err);
    }

    [Fact]
    public void DockerCommandsQuaiLacks_PrintOneLine_AndExit1()
    {
        foreach (var (args, word) in new[] { (new[] { "swarm", "init" }, "swarm"), (["compose", "up", "-d"], "compose"), (["checkpoint", "ls"], "checkpoint"), (["context", "ls"], "context"), (["plugin", "ls"], "plugin"), (["trust", "inspect"], "trust") })
        {
            var r = q.Run(args);
            Assert.Equal(1, r.Code);
            Assert.Equal("", r.Out);
            Assert.Matches($"^quai: '{word}' is not supported yet; [^\n]+\n$", r.Err);
        }
        var unknown = q.Run("frobnicate");
        Assert.Equal(1, unknown.Code);
        Assert.Equal("quai: 'frobnicate' is not a quai command.\nSee 'quai --help'\n", unknown.Err);
        Assert.Equal(0, q.Run("ps").Code); // a command Quai has is untouched
    }
}
