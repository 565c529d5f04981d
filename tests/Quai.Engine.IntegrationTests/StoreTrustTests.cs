using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

/// <summary>The store is private to root: an unprivileged host user can neither run a setuid binary
/// from a container's layer, nor read a record, a log or the database (which hold `-e PASSWORD=…`
/// and what the container printed). Stores made by older versions are migrated on the next command.
/// Volume names never reach outside the volumes directory.</summary>
public sealed class StoreTrustTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private static Result AsNobody(params string[] command)
    {
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // through a shell running as nobody: setpriv's own exec of the target still passes privileged path checks
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", "exec \"$@\"", "sh" }.Concat(command)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30))) { p.Kill(true); throw new TimeoutException(string.Join(' ', command)); }
        p.WaitForExit();
        return new Result(p.ExitCode, o.Result, e.Result);
    }

    private static string Mode(string path) => Convert.ToString((int)new FileInfo(path).UnixFileMode, 8);

    /// <summary>Everything of the store's own: the parts that belong to the container's or the image's
    /// content (layers, the rootfs mount point, volume data, files bind-mounted into /etc) keep their modes.</summary>
    private List<string> StoreEntries()
    {
        var found = new List<string>();
        void Walk(string dir)
        {
            foreach (var e in Directory.EnumerateFileSystemEntries(dir))
            {
                var rel = Path.GetRelativePath(q.Root, e);
                var name = Path.GetFileName(e);
                if (name is "rootfs" or "_data" or "hosts" or "hostname" or "resolv.conf" or "driver") continue;
                var info = new FileInfo(e);
                if (info.LinkTarget is not null) continue;
                found.Add(e);
                if (info.Attributes.HasFlag(FileAttributes.Directory) && !rel.StartsWith("snapshots/", StringComparison.Ordinal)) Walk(e);
            }
        }
        Walk(q.Root);
        return found;
    }

    [Fact]
    public void An_unprivileged_user_cannot_run_a_setuid_binary_from_a_layer_nor_read_records_logs_or_the_database()
    {
        var secret = QuaiHost.Unique("s3cret");
        var c = q.Ok("run", "-d", "-e", "DB_PASSWORD=" + secret, "-v", QuaiHost.Unique("vol") + ":/data", "bb", "sh", "-c",
            "mkdir /tmp/rootsh && busybox cp /bin/busybox /tmp/rootsh/id && busybox chmod 4755 /tmp/rootsh/id && echo $DB_PASSWORD && exec sleep 1000");
        try
        {
            Assert.True(QuaiHost.Eventually(() => q.Run("logs", c).Out.Contains(secret), TimeSpan.FromSeconds(20)), q.Run("logs", c).ToString());
            var setuid = Path.Combine(Directory.EnumerateDirectories(Path.Combine(q.Root, "snapshots"), "rootsh", SearchOption.AllDirectories).Single(), "id");
            Assert.True(new FileInfo(setuid).UnixFileMode.HasFlag(UnixFileMode.SetUser));
            var dir = Path.Combine(q.Root, "containers", c);

            // the kernel stops the walk at the store's root, whatever the files below it say
            var run = AsNobody(setuid, "id", "-u");
            Assert.True(run.Code != 0 && run.Out.Trim().Length == 0, $"nobody ran {setuid}: {run}");
            Assert.Contains("Permission denied", run.Err);
            foreach (var f in new[] { Path.Combine(dir, "container.json"), q.Inspect(c, "{{.LogPath}}"), Path.Combine(dir, "bundle", "config.json"), Path.Combine(q.Root, "quai.db") })
            {
                Assert.True(File.Exists(f), f);
                var read = AsNobody("cat", f);
                Assert.True(read.Code != 0 && !read.Out.Contains(secret), $"nobody read {f}: {read}");
            }
            Assert.NotEqual(0, AsNobody("ls", q.Root).Code);

            // and below the root, every directory and record is root's only (defence in depth)
            Assert.Equal("700", Mode(q.Root));
            var open = StoreEntries().Where(e => ((int)new FileInfo(e).UnixFileMode & 0x3F) != 0).Select(e => $"{Mode(e)} {e}").ToList();
            Assert.True(open.Count == 0, "reachable by group or others:\n" + string.Join('\n', open));
        }
        finally { q.Run("rm", "-f", "-v", c); }
    }

    [Fact]
    public void A_store_made_world_readable_by_an_older_quai_is_made_private_by_the_next_command()
    {
        var c = q.Ok("create", "-e", "TOKEN=t0ken", "bb", "sh", "-c", "echo $TOKEN");
        try
        {
            q.Ok("start", "-a", c);
            var record = Path.Combine(q.Root, "containers", c, "container.json");
            var log = q.Inspect(c, "{{.LogPath}}");
            var blob = Directory.EnumerateFiles(Path.Combine(q.Root, "content", "blobs", "sha256")).First();
            // what the previous release left: a 0755 tree with 0644 files
            foreach (var d in new[] { q.Root, Path.Combine(q.Root, "containers"), Path.Combine(q.Root, "containers", c), Path.Combine(q.Root, "content"), Path.Combine(q.Root, "content", "blobs") })
                File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
            foreach (var f in new[] { record, log, blob, Path.Combine(q.Root, "quai.db") })
                File.SetUnixFileMode(f, (UnixFileMode)0x1A4);
            Assert.Equal(0, AsNobody("cat", record).Code); // the hole, as it was

            q.Ok("ps", "-a");
            Assert.NotEqual(0, AsNobody("cat", record).Code);
            q.Ok("images"); // the image store migrates its own part when it is next opened

            Assert.NotEqual(0, AsNobody("cat", record).Code);
            foreach (var d in new[] { q.Root, Path.Combine(q.Root, "containers"), Path.Combine(q.Root, "containers", c), Path.Combine(q.Root, "content"), Path.Combine(q.Root, "content", "blobs") })
                Assert.Equal("700", Mode(d));
            foreach (var f in new[] { record, log, blob, Path.Combine(q.Root, "quai.db") })
                Assert.Equal("600", Mode(f));
            // the container's own files keep the modes its users need
            Assert.Equal("644", Mode(Path.Combine(q.Root, "containers", c, "hosts")));
            Assert.Equal("t0ken", q.Ok("start", "-a", c)); // and the container still runs
        }
        finally { q.Run("rm", "-f", c); }
    }

    [Fact]
    public void Volume_names_never_reach_outside_the_volumes_directory()
    {
        // <parent>/victim is two levels above <root>/volumes
        var victim = Path.Combine(Path.GetDirectoryName(q.Root)!, QuaiHost.Unique("victim"));
        Directory.CreateDirectory(victim);
        try
        {
            File.WriteAllText(Path.Combine(victim, "volume.json"), """{"Name":"x","Driver":"local","Mountpoint":"/"}""");
            File.WriteAllText(Path.Combine(victim, "precious"), "keep");
            foreach (var name in new[] { "../../" + Path.GetFileName(victim), victim })
            {
                var rm = q.Run("volume", "rm", name);
                Assert.True(rm.Code != 0, rm.ToString());
                Assert.Contains("no such volume", rm.Err);
                Assert.Equal(0, q.Run("volume", "rm", "-f", name).Code); // Docker: -f on a missing volume succeeds
                Assert.NotEqual(0, q.Run("volume", "inspect", name).Code);
                Assert.True(File.Exists(Path.Combine(victim, "precious")), $"volume rm {name} deleted {victim}");
            }
            // .NET's `$` matches before a trailing newline: the name must end where the string ends
            var create = q.Run("volume", "create", "vol\n");
            Assert.Equal(125, create.Code);
            Assert.Contains("invalid characters", create.Err);
            Assert.False(Directory.Exists(Path.Combine(q.Root, "volumes", "vol\n")));
        }
        finally { Directory.Delete(victim, true); }
    }
}
