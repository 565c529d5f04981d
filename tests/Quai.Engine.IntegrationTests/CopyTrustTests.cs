using System.Formats.Tar;
using System.Text;

namespace Quai.Engine.IntegrationTests;

/// <summary>cp and export against a hostile container: symlinks and device nodes it plants, and a
/// container that swaps a directory for a symlink while the copy runs. The host must never be read or
/// written outside the container's root, and no device node may appear on the host.</summary>
public sealed class CopyTrustTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qit-cpt-").FullName;
    /// <summary>A host directory whose path the container also uses, as the target of its symlinks.</summary>
    private readonly string _hostBait = Directory.CreateTempSubdirectory("qit-bait-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, true);
        Directory.Delete(_hostBait, true);
    }

    private string Running(string script)
    {
        var name = QuaiHost.Unique("cpt");
        q.Ok("run", "-d", "--name", name, "bb", "sh", "-c", script + "\ntouch /ready; sleep 120");
        Assert.True(QuaiHost.Eventually(() => q.Run("exec", name, "test", "-f", "/ready").Code == 0, TimeSpan.FromSeconds(10)), "container not ready");
        return name;
    }

    private string HostFile(string rel, string content)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    [Fact]
    public void CopyIn_DoesNotFollowSymlinkPlantedDeeperInTheDestination_RunningAndStopped()
    {
        // the container's /dst/sub/esc points at a host directory's path; HOSTDIR/. merges sub/esc/pwned into it
        var c = Running($"mkdir -p /dst/sub {_hostBait}; ln -s {_hostBait} /dst/sub/esc");
        HostFile("src/sub/esc/pwned", "PWNED");
        q.Ok("cp", Path.Combine(_dir, "src") + "/.", c + ":/dst");
        Assert.False(File.Exists(Path.Combine(_hostBait, "pwned")), "cp wrote through a container symlink onto the host");
        Assert.Equal("PWNED", q.Ok("exec", c, "cat", "/dst/sub/esc/pwned"));

        // the same on a stopped container, whose snapshot is mounted on the host for the copy
        q.Ok("exec", c, "sh", "-c", $"busybox rm -rf /dst/sub/esc; ln -s / /dst/sub/esc; ln -s {_hostBait} /dst/bait");
        q.Ok("stop", "-t", "1", c);
        q.Ok("cp", Path.Combine(_dir, "src") + "/.", c + ":/dst");
        HostFile("one", "ONE");
        q.Ok("cp", Path.Combine(_dir, "one"), c + ":/dst/bait/one");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_hostBait));
        Assert.False(File.Exists("/pwned"));
        var back = Path.Combine(_dir, "back");
        q.Ok("cp", c + ":" + _hostBait + "/one", back);
        Assert.Equal("ONE", File.ReadAllText(back));
        var id = q.Ok("inspect", "-f", "{{.Id}}", c);
        Assert.DoesNotContain(q.LeftoverMounts(), m => m.Contains(id));
        q.Ok("rm", c);
    }

    [Fact]
    public void PsSizeAndDiff_CountAndListTheWritableLayerWithoutFollowingItsSymlinks()
    {
        // 8 MB on the host behind a link the container made, and a link to the host's root
        File.WriteAllBytes(Path.Combine(_hostBait, "big"), new byte[8 << 20]);
        var c = Running($"ln -s / /rootlink; ln -s {_hostBait} /bait; mkdir /data; dd if=/dev/zero of=/data/f bs=1024 count=100 2>/dev/null; ln /data/f /data/f2");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var size = q.Ok("ps", "-s", "--filter", "name=" + c, "--format", "{{.Size}}");
        // 100 KiB written once (the hard link counted once) plus a few small files; never the host's 8 MB
        var m = System.Text.RegularExpressions.Regex.Match(size, @"^([\d.]+)kB$");
        Assert.True(m.Success, $"ps -s printed '{size}' after {sw.Elapsed}");
        var kb = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(kb, 100, 110);
        var diff = q.Ok("diff", c).Split('\n');
        Assert.Contains("A /rootlink", diff);
        Assert.Contains("A /bait", diff);
        Assert.Contains("A /data/f2", diff);
        Assert.DoesNotContain(diff, l => l.StartsWith("A /bait/", StringComparison.Ordinal) || l.StartsWith("A /rootlink/", StringComparison.Ordinal));
        q.Ok("rm", "-f", c);
    }

    [Fact]
    public void Cp_OfAContainerThatDoesNotRun_SeesItsVolumesAndBinds_ExportDoesNot()
    {
        var c = QuaiHost.Unique("cptv");
        var vol = QuaiHost.Unique("cptvol");
        var bind = Path.Combine(_dir, "bind");
        Directory.CreateDirectory(bind);
        File.WriteAllText(Path.Combine(bind, "from-host"), "bound");
        try
        {
            q.Ok("create", "--name", c, "-v", vol + ":/data", "-v", bind + ":/srv:ro", "bb", "sh");
            // into the volume of a container that never ran
            q.Ok("cp", HostFile("v", "in-volume"), c + ":/data/v");
            Assert.Equal("in-volume", q.Ok("run", "--rm", "-v", vol + ":/data", "bb", "cat", "/data/v"));
            // out of its bind mount
            var back = Path.Combine(_dir, "back-bind");
            q.Ok("cp", c + ":/srv/from-host", back);
            Assert.Equal("bound", File.ReadAllText(back));
            // a read-only bind stays read-only
            Assert.NotEqual(0, q.Run("cp", HostFile("w", "x"), c + ":/srv/w").Code);
            Assert.False(File.Exists(Path.Combine(bind, "w")));
            // export is the container's own filesystem: no volume content
            var tar = Path.Combine(_dir, "exp.tar");
            q.Ok("export", "-o", tar, c);
            using (var r = new TarReader(File.OpenRead(tar)))
                for (TarEntry? e; (e = r.GetNextEntry()) is not null;)
                    Assert.False(e.Name.TrimStart('.', '/') is "data/v" or "srv/from-host", $"export holds {e.Name}");
            var id = q.Inspect(c, "{{.Id}}");
            Assert.DoesNotContain(q.LeftoverMounts(), m => m.Contains(id) || m.Contains(bind));
        }
        finally
        {
            q.Run("rm", "-f", c);
            q.Run("volume", "rm", "-f", vol);
        }
    }

    [Fact]
    public void CopyIn_OnACreatedContainer_AndArchivesOnStdinAndStdout()
    {
        var c = QuaiHost.Unique("cptc");
        q.Ok("create", "--name", c, "bb", "sh");
        q.Ok("cp", HostFile("f", "created"), c + ":/");
        var tar = new MemoryStream();
        using (var w = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "t/") { Mode = (UnixFileMode)0x1ED });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "t/x") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream("from-tar"u8.ToArray()) });
        }
        var r = q.RunWith(Encoding.Latin1.GetString(tar.ToArray()), TimeSpan.FromSeconds(30), "cp", "-", c + ":/");
        Assert.True(r.Code == 0, r.ToString());
        // ctr:/path - writes a tar of the path under its last name
        var psi = new System.Diagnostics.ProcessStartInfo(QuaiHost.Bin) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--root", q.Root, "cp", c + ":/t", "-" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        ms.Position = 0;
        var entries = new Dictionary<string, string>();
        using (var rd = new TarReader(ms))
            while (rd.GetNextEntry() is { } e)
                entries[e.Name] = e.DataStream is null ? "" : new StreamReader(e.DataStream).ReadToEnd();
        Assert.Equal("from-tar", entries["t/x"]);
        q.Ok("cp", c + ":/f", Path.Combine(_dir, "f-back"));
        Assert.Equal("created", File.ReadAllText(Path.Combine(_dir, "f-back")));
        q.Ok("rm", c);
    }

    [Fact]
    public void DeviceNodes_AreReplacedOnCopyIn_AndNeverCreatedOnTheHost()
    {
        // /app/config is a block device node (a loop device); /app/null a char device
        var c = Running("mkdir -p /app; busybox mknod /app/config b 7 250; busybox mknod /app/null c 1 3");
        q.Ok("cp", HostFile("config", "settings"), c + ":/app/config");
        Assert.Equal("settings", q.Ok("exec", c, "cat", "/app/config"));
        Assert.Equal("-", q.Ok("exec", c, "sh", "-c", "ls -l /app/config | busybox cut -c1"));
        // copying out skips device nodes: the host gets the directory and its regular files only
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        q.Ok("cp", c + ":/app", outDir);
        Assert.Equal(["config"], Directory.EnumerateFileSystemEntries(Path.Combine(outDir, "app")).Select(p => Path.GetFileName(p)!).ToArray());
        q.Run("cp", c + ":/app/null", Path.Combine(outDir, "null"));
        Assert.False(Path.Exists(Path.Combine(outDir, "null")), "cp created a device node on the host");
        q.Ok("rm", "-f", c);
    }

    [Fact]
    public void DockerDestinationRules()
    {
        var c = Running("mkdir -p /into; echo f > /file");
        var src = Path.Combine(_dir, "tree");
        HostFile("tree/a", "A");
        HostFile("tree/d/b", "B");
        q.Ok("cp", src, c + ":/into");                      // into an existing dir: under its own name
        Assert.Equal("B", q.Ok("exec", c, "cat", "/into/tree/d/b"));
        q.Ok("cp", src + "/.", c + ":/into");               // SRC/. : the contents
        Assert.Equal("A", q.Ok("exec", c, "cat", "/into/a"));
        q.Ok("cp", src, c + ":/fresh");                     // a new name in an existing parent
        Assert.Equal("A", q.Ok("exec", c, "cat", "/fresh/a"));
        var r = q.Run("cp", src, c + ":/file");
        Assert.Equal(1, r.Code);
        Assert.Contains("cannot copy a directory to a file", r.Err);
        r = q.Run("cp", src + "/a", c + ":/no/such/x");
        Assert.Equal(1, r.Code);
        Assert.Contains("/no/such", r.Err);
        r = q.Run("cp", src + "/a", c + ":/missing/");
        Assert.Equal(1, r.Code);
        r = q.Run("cp", c + ":/nothing", _dir);
        Assert.Equal(1, r.Code);
        Assert.Contains("Could not find the file /nothing", r.Err);
        // a tar of the whole running container leaves out its /proc and /sys contents
        var psi = new System.Diagnostics.ProcessStartInfo(QuaiHost.Bin) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--root", q.Root, "cp", c + ":/", "-" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var names = new List<string>();
        using (var rd = new TarReader(p.StandardOutput.BaseStream))
            while (rd.GetNextEntry() is { } e) names.Add(e.Name);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("bin/busybox", names);
        Assert.DoesNotContain(names, n => n.StartsWith("proc/", StringComparison.Ordinal) && n != "proc/");
        Assert.DoesNotContain(names, n => n.StartsWith("sys/", StringComparison.Ordinal) && n != "sys/");
        q.Ok("rm", "-f", c);
    }

    /// <summary>The container flips /r/d between a real directory and a symlink to a path that, on the host,
    /// holds a file saying HOST. Copies in, out and exports racing it must never see or write the host's.</summary>
    [Fact]
    public void SwappingADirectoryForASymlink_NeverReachesTheHost()
    {
        File.WriteAllText(Path.Combine(_hostBait, "f"), "HOST");
        var c = Running($"mkdir -p /r/d {_hostBait}; echo inside > /r/d/f; echo linked > {_hostBait}/f; "
            + "(while :; do busybox mv /r/d /r/d2; ln -s " + _hostBait + " /r/d; busybox rm /r/d; busybox mv /r/d2 /r/d; done) &");
        var outFile = Path.Combine(_dir, "got");
        var seen = new HashSet<string>();
        HostFile("in", "written");
        for (var i = 0; i < 150; i++)
        {
            File.Delete(outFile);
            var r = q.Run("cp", c + ":/r/d/f", outFile);
            if (r.Code == 0) seen.Add(File.ReadAllText(outFile).Trim());
            q.Run("cp", Path.Combine(_dir, "in"), c + ":/r/d/new");
            Assert.False(File.Exists(Path.Combine(_hostBait, "new")), $"cp in wrote onto the host at try {i}");
        }
        Assert.DoesNotContain("HOST", seen);
        Assert.Contains("inside", seen);
        for (var i = 0; i < 8; i++)
        {
            var tar = Path.Combine(_dir, "export.tar");
            q.Ok("export", "-o", tar, c);
            using var rd = new TarReader(File.OpenRead(tar));
            while (rd.GetNextEntry() is { } e)
                if (e.DataStream is not null)
                    Assert.NotEqual("HOST", new StreamReader(e.DataStream).ReadToEnd().Trim());
        }
        Assert.Equal("HOST", File.ReadAllText(Path.Combine(_hostBait, "f")));
        q.Ok("rm", "-f", c);
    }
}
