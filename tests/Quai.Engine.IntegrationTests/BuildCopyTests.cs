using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Quai.Engine.IntegrationTests;

/// <summary>COPY and ADD with Docker's (BuildKit's) semantics, through real builds of the published quai, each result
/// checked with `quai run` of the image: archives of every compression extracted, hostile archives refused, URLs
/// fetched from a local server with --checksum, --chown by name, --chmod, --parents, --exclude, --link, Docker's
/// destination rules, kept mtimes, and COPY --from of a big file without buffering it.</summary>
public sealed class BuildCopyTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-copy-test-").FullName;
    private readonly List<string> _tags = [];
    private string Ctx => Path.Combine(_dir, "ctx");

    public void Dispose()
    {
        foreach (var t in _tags) q.Run("rmi", "-f", t);
        Directory.Delete(_dir, true);
    }

    private string Tag() { var t = QuaiHost.Unique("cp") + ":1"; _tags.Add(t); return t; }

    private string Write(string rel, string text)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private Result Build(string tag, string dockerfile)
    {
        Write("Dockerfile", dockerfile);
        return q.RunWith(null, TimeSpan.FromSeconds(180), "build", "-t", tag, Ctx);
    }

    private string BuildOk(string dockerfile)
    {
        var tag = Tag();
        var r = Build(tag, dockerfile);
        Assert.True(r.Code == 0, r.ToString());
        return tag;
    }

    private string Sh(string image, string script) => q.Ok("run", "--rm", image, "sh", "-c", script);

    private static int Cached(Result r) => r.Err.Split('\n').Count(l => l.Trim().EndsWith("CACHED", StringComparison.Ordinal));

    /// <summary>A tar with a directory, two files and a relative symlink, as the fixture of every compression.</summary>
    private static byte[] SampleTar(Action<TarWriter>? extra = null)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "pkg/") { Mode = (UnixFileMode)0x1ed, Uid = 0, Gid = 0 });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "pkg/hello.txt")
            {
                Mode = (UnixFileMode)0x1a4, Uid = 1234, Gid = 2345, ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1000000000),
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("hello from the archive\n")),
            });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./pkg/run.sh") { Mode = (UnixFileMode)0x1ed, DataStream = new MemoryStream("#!/bin/sh\n"u8.ToArray()) });
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "pkg/link") { LinkName = "hello.txt" });
            extra?.Invoke(w);
        }
        return ms.ToArray();
    }

    private void Compress(string tool, string rel, byte[] data)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var psi = new ProcessStartInfo(tool, "-c") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var copy = Task.Run(() => { using var f = File.Create(path); p.StandardOutput.BaseStream.CopyTo(f); });
        p.StandardInput.BaseStream.Write(data);
        p.StandardInput.Close();
        copy.Wait();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void ADD_extracts_a_tar_of_every_compression_told_by_content_and_copies_other_files_as_they_are()
    {
        var tar = SampleTar();
        File.WriteAllBytes(Write("plain.tar", ""), tar);
        Compress("gzip", "g.tgz", tar);
        Compress("bzip2", "b.tar.bz2", tar);
        Compress("xz", "x.tar.xz", tar);
        Compress("zstd", "z.tar.zst", tar);
        File.WriteAllBytes(Write("no-extension", ""), tar);          // an archive by content, whatever its name
        Compress("gzip", "notes.txt.gz", "just text, not a tar\n"u8.ToArray()); // compressed, but not a tar: copied
        Write("looks.tar", "not an archive at all\n");
        var image = BuildOk("""
            FROM bb
            ADD plain.tar /t/plain/
            ADD g.tgz /t/gzip
            ADD b.tar.bz2 /t/bzip2/
            ADD x.tar.xz /t/xz/
            ADD z.tar.zst /t/zstd/
            ADD no-extension /t/named/
            ADD notes.txt.gz looks.tar /t/files/
            """);
        var outp = Sh(image, "for d in plain gzip bzip2 xz zstd named; do cat /t/$d/pkg/hello.txt; cat /t/$d/pkg/link; done; " +
                             "busybox stat -c '%u:%g %a %Y' /t/gzip/pkg/hello.txt /t/gzip/pkg/run.sh; busybox readlink /t/xz/pkg/link; " +
                             "busybox zcat /t/files/notes.txt.gz; cat /t/files/looks.tar; ls /t/files");
        Assert.Equal(12, outp.Split('\n').Count(l => l == "hello from the archive"));
        Assert.Contains("1234:2345 644 1000000000", outp);   // the archive's owner, mode and time are kept
        Assert.Contains("0:0 755", outp);
        Assert.Contains("\nhello.txt\n", outp);
        Assert.Contains("just text, not a tar", outp);
        Assert.Contains("not an archive at all", outp);
        Assert.DoesNotContain("pkg", outp.Split('\n').Last());
    }

    [Fact]
    public void COPY_never_extracts_and_ADD_unpack_false_keeps_the_archive()
    {
        Compress("gzip", "a.tgz", SampleTar());
        var image = BuildOk("""
            FROM bb
            COPY a.tgz /c/
            ADD --unpack=false a.tgz /u/
            """);
        Assert.Equal("a.tgz\na.tgz", Sh(image, "ls /c; ls /u"));
    }

    [Theory]
    [InlineData("dotdot", "the archive's ../ entry")]
    [InlineData("symlink", "an absolute-looking escape through a relative symlink")]
    [InlineData("through", "a file written through a symlink of the same archive")]
    [InlineData("hardlink", "a hard link out of the destination")]
    [InlineData("device", "a device node")]
    public void A_hostile_archive_is_refused_naming_the_archive_and_the_entry_and_nothing_is_tagged(string kind, string what)
    {
        _ = what;
        var outside = Path.Combine(_dir, "outside-" + kind);
        var tar = SampleTar(w =>
        {
            switch (kind)
            {
                case "dotdot":
                    w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../../../../../" + outside.TrimStart('/')) { DataStream = new MemoryStream("x"u8.ToArray()) });
                    break;
                case "symlink":
                    w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "pkg/esc") { LinkName = "../../../../etc" });
                    break;
                case "through":
                    w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "root") { LinkName = "/" });
                    w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "root/etc/evil") { DataStream = new MemoryStream("x"u8.ToArray()) });
                    break;
                case "hardlink":
                    w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "pkg/hl") { LinkName = "../../etc/passwd" });
                    break;
                case "device":
                    w.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "pkg/mem") { DeviceMajor = 1, DeviceMinor = 1, Mode = (UnixFileMode)0x1b6 });
                    break;
            }
        });
        File.WriteAllBytes(Write("evil.tar", ""), tar);
        var tag = Tag();
        var r = Build(tag, "FROM bb\nRUN true\nADD evil.tar /app/\n");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Dockerfile:3", r.Err);
        Assert.Contains("evil.tar", r.Err);
        Assert.Contains("entry", r.Err);
        Assert.Contains("refusing", r.Err);
        Assert.False(File.Exists(outside));
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
    }

    [Fact]
    public void An_archive_entry_with_an_absolute_name_is_confined_below_the_destination()
    {
        var tar = SampleTar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "/etc/passwd") { DataStream = new MemoryStream("owned\n"u8.ToArray()) }));
        File.WriteAllBytes(Write("abs.tar", ""), tar);
        var image = BuildOk("FROM bb\nADD abs.tar /app/\n");
        var outp = Sh(image, "cat /app/etc/passwd; head -1 /etc/passwd");
        Assert.Equal("owned\nroot:x:0:0:root:/root:/bin/sh", outp);
    }

    /// <summary>A local HTTP server on 127.0.0.1, random port, serving fixed bodies; stopped on dispose.</summary>
    private sealed class Server : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, byte[]> _bodies = [];
        public int Requests;
        public string Base { get; }
        public DateTimeOffset LastModified { get; } = new(2020, 5, 6, 7, 8, 9, TimeSpan.Zero);

        public Server()
        {
            for (int attempt = 0; ; attempt++)
            {
                var port = Random.Shared.Next(20000, 60000);
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try { _listener.Start(); Base = $"http://127.0.0.1:{port}"; break; }
                catch (HttpListenerException) when (attempt < 20) { }
            }
            _ = Task.Run(Loop);
        }

        public void Serve(string path, byte[] body) { lock (_bodies) _bodies[path] = body; }

        private async Task Loop()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception) { return; }
                Interlocked.Increment(ref Requests);
                byte[]? body;
                lock (_bodies) _bodies.TryGetValue(ctx.Request.Url!.AbsolutePath, out body);
                if (body is null) ctx.Response.StatusCode = 404;
                else
                {
                    ctx.Response.Headers["Last-Modified"] = LastModified.ToString("R");
                    ctx.Response.ContentLength64 = body.Length;
                    ctx.Response.OutputStream.Write(body);
                }
                ctx.Response.Close();
            }
        }

        public void Dispose() { _listener.Stop(); _listener.Close(); }
    }

    private static string Sha(byte[] b) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public void ADD_of_a_URL_names_the_file_by_BuildKits_rules_with_mode_0600_and_the_servers_time_and_never_extracts()
    {
        using var s = new Server();
        var body = "fetched body\n"u8.ToArray();
        var gz = new MemoryStream();
        using (var g = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionMode.Compress, leaveOpen: true)) g.Write(SampleTar());
        s.Serve("/files/tool.txt", body);
        s.Serve("/", body);
        s.Serve("/pkg.tgz", gz.ToArray());
        var image = BuildOk($"""
            FROM bb
            ADD {s.Base}/files/tool.txt /dl/
            ADD {s.Base}/files/tool.txt /dl/renamed
            ADD {s.Base}/ /dl/
            ADD {s.Base}/files/tool.txt /data
            ADD --chmod=755 {s.Base}/pkg.tgz /dl/
            """);
        var outp = Sh(image, "ls /dl; cat /dl/tool.txt /dl/renamed /dl/__unnamed__ /data/tool.txt; busybox stat -c '%a %Y' /dl/tool.txt /dl/pkg.tgz");
        Assert.Equal($"__unnamed__\npkg.tgz\nrenamed\ntool.txt\nfetched body\nfetched body\nfetched body\nfetched body\n600 {s.LastModified.ToUnixTimeSeconds()}\n755 {s.LastModified.ToUnixTimeSeconds()}", outp);
    }

    [Fact]
    public void ADD_checksum_verifies_the_content_and_keys_the_cache_and_without_it_the_URL_is_fetched_again()
    {
        using var s = new Server();
        var body = "version 1\n"u8.ToArray();
        s.Serve("/f", body);
        var good = BuildOk($"FROM bb\nADD --checksum={Sha(body)} {s.Base}/f /f\n");
        Assert.Equal("version 1", Sh(good, "cat /f"));

        // a hit with --checksum fetches nothing
        var before = s.Requests;
        var again = Build(Tag(), $"FROM bb\nADD --checksum={Sha(body)} {s.Base}/f /f\n");
        Assert.True(again.Code == 0, again.ToString());
        Assert.Equal(1, Cached(again));
        Assert.Equal(before, s.Requests);

        var wrong = Sha("something else"u8.ToArray());
        var tag = Tag();
        var bad = Build(tag, $"FROM bb\nADD --checksum={wrong} {s.Base}/f /f\n");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("Dockerfile:2", bad.Err);
        Assert.Contains($"{s.Base}/f", bad.Err);
        Assert.Contains(wrong, bad.Err);
        Assert.Contains(Sha(body), bad.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        Assert.Empty(Directory.Exists(Path.Combine(q.Root, "build-tmp")) ? Directory.GetFiles(Path.Combine(q.Root, "build-tmp")) : []);

        // without a checksum: fetched each build, cached while the content is the same, rebuilt when it changes
        var df = $"FROM bb\nADD {s.Base}/f /f\n";
        Assert.True(Build(Tag(), df).Code == 0);
        before = s.Requests;
        var same = Build(Tag(), df);
        Assert.Equal(1, Cached(same));
        Assert.True(s.Requests > before);
        s.Serve("/f", "version 2\n"u8.ToArray());
        var changed = Build(Tag(), df);
        Assert.True(changed.Code == 0, changed.ToString());
        Assert.Equal(0, Cached(changed));
        Assert.Equal("version 2", Sh(_tags[^1], "cat /f"));

        var missing = Build(Tag(), $"FROM bb\nADD {s.Base}/nope /n\n");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("404", missing.Err);
    }

    [Fact]
    public void ADD_of_a_git_URL_is_refused_as_not_supported_yet()
    {
        var r = Build(Tag(), "FROM bb\nADD https://example.invalid/repo.git /src\n");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Dockerfile:2", r.Err);
        Assert.Contains("not supported yet", r.Err);
    }

    [Fact]
    public void Chown_by_name_is_resolved_from_the_parent_images_passwd_and_group()
    {
        Write("f.txt", "f\n");
        Write("d/inner.txt", "i\n");
        var image = BuildOk("""
            FROM bb
            RUN echo 'svc:x:4321:4322::/:/bin/sh' >> /etc/passwd && echo 'grp:x:5555:' >> /etc/group
            COPY --chown=svc:grp f.txt /a
            COPY --chown=svc f.txt /b
            COPY --chown=4321 f.txt /c
            COPY --chown=user:5555 d /d
            """);
        Assert.Equal("4321:5555\n4321:4322\n4321:4321\n1000:5555\n1000:5555", Sh(image, "busybox stat -c '%u:%g' /a /b /c /d /d/inner.txt"));

        var r = Build(Tag(), "FROM bb\nCOPY --chown=nobody-here f.txt /x\n");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Dockerfile:2", r.Err);
        Assert.Contains("nobody-here", r.Err);
    }

    [Fact]
    public void Chmod_takes_octal_and_symbolic_modes()
    {
        File.SetUnixFileMode(Write("s.sh", "#!/bin/sh\n"), (UnixFileMode)0x1a4);
        Write("dir/x.txt", "x\n");
        var image = BuildOk("""
            FROM bb
            COPY --chmod=0750 s.sh /oct
            COPY --chmod=u+x,g=r,o= s.sh /sym
            COPY --chmod=a=rX dir /dir
            """);
        Assert.Equal("750\n740\n555\n444", Sh(image, "busybox stat -c '%a' /oct /sym /dir /dir/x.txt"));
        var r = Build(Tag(), "FROM bb\nCOPY --chmod=9z s.sh /x\n");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Dockerfile:2", r.Err);
        Assert.Contains("chmod", r.Err);
    }

    [Fact]
    public void Parents_keeps_the_source_path_and_the_pivot_cuts_it()
    {
        Write("x/a.txt", "xa\n");
        Write("y/a.txt", "ya\n");
        Write("x/sub/deep/b.txt", "b\n");
        var image = BuildOk("""
            FROM bb
            COPY --parents x/a.txt y/a.txt /p/
            COPY --parents ./x/./sub/deep/*.txt /q/
            COPY --parents x/sub /r/
            """);
        Assert.Equal("xa\nya\nb\nb", Sh(image, "cat /p/x/a.txt /p/y/a.txt /q/sub/deep/b.txt /r/x/sub/deep/b.txt"));
    }

    [Fact]
    public void Exclude_leaves_out_what_its_patterns_match_and_does_not_key_the_cache()
    {
        Write("app/main.c", "int main;\n");
        Write("app/notes.md", "notes\n");
        Write("app/docs/guide.md", "guide\n");
        Write("app/keep.txt", "keep\n");
        Write("top.md", "top\n");
        const string df = """
            FROM bb
            COPY --exclude=*.md --exclude=**/*.md app /app
            COPY --exclude=*.md top.md app/keep.txt /t/
            """;
        var tag = Tag();
        var r = Build(tag, df);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("/app\n/app/docs\n/app/keep.txt\n/app/main.c\n---\nkeep.txt", Sh(tag, "busybox find /app | busybox sort; echo ---; ls /t"));
        // an excluded file changing keeps the cache
        Write("app/notes.md", "other notes\n");
        var again = Build(Tag(), df);
        Assert.Equal(2, Cached(again));
    }

    [Fact]
    public void Docker_destination_rules_existing_directory_trailing_slash_wildcards_and_directory_contents()
    {
        Write("f.txt", "f\n");
        Write("w1.log", "1\n");
        Write("w2.log", "2\n");
        Write("tree/a/b.txt", "b\n");
        var image = BuildOk("""
            FROM bb
            RUN busybox mkdir -p /real/dir && busybox ln -s /real/dir /via
            COPY f.txt /data
            COPY f.txt /newfile
            COPY f.txt /newdir/
            COPY f.txt /via
            COPY *.log /logs/
            COPY tree /tree-contents
            COPY f.txt /tmp/f.txt
            WORKDIR /work
            COPY f.txt .
            """);
        var outp = Sh(image, "cat /data/f.txt /newfile /newdir/f.txt /real/dir/f.txt /logs/w1.log /logs/w2.log /tree-contents/a/b.txt /work/f.txt; " +
                             "busybox stat -c '%a' /tmp; busybox readlink /via");
        Assert.Equal("f\nf\nf\nf\n1\n2\nb\nf\n1777\n/real/dir", outp);
        var r = Build(Tag(), "FROM bb\nCOPY f.txt w1.log /x\n");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("must be a directory and end with a /", r.Err);
    }

    [Fact]
    public void COPY_from_takes_wildcards_exclude_and_the_destination_rules()
    {
        var image = BuildOk("""
            FROM bb AS src
            RUN busybox mkdir -p /out/sub && echo a > /out/a.so && echo b > /out/b.so && echo c > /out/c.txt && echo d > /out/sub/d.so
            FROM bb
            COPY --from=src /out/*.so /lib/
            COPY --from=src --exclude=*.txt /out /all
            COPY --from=src /out/c.txt /data
            COPY --from=src --chown=user --chmod=640 /out/c.txt /owned
            """);
        Assert.Equal("a.so\nb.so\n---\na.so\nb.so\nsub\n---\nc\n1000:1000 640",
            Sh(image, "ls /lib; echo ---; ls /all; echo ---; cat /data/c.txt; busybox stat -c '%u:%g %a' /owned"));
        var r = Build(Tag(), "FROM bb AS src\nFROM bb\nCOPY --from=src /nothing/*.so /lib/\n");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Dockerfile:3", r.Err);
    }

    [Fact]
    public void COPY_keeps_the_source_mtimes_and_the_cache_stays_content_keyed()
    {
        var f = Write("m/f.txt", "same\n");
        var when = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(f, when);
        const string df = "FROM bb\nCOPY m /m\n";
        var image = BuildOk(df);
        Assert.Equal(new DateTimeOffset(when).ToUnixTimeSeconds().ToString(), Sh(image, "busybox stat -c '%Y' /m/f.txt"));
        File.SetLastWriteTimeUtc(f, when.AddDays(1)); // touched, unchanged: cached
        Assert.Equal(1, Cached(Build(Tag(), df)));
        File.WriteAllText(f, "different\n");
        Assert.Equal(0, Cached(Build(Tag(), df)));
    }

    [Fact]
    public void Link_gives_the_same_layer_on_any_parent_and_is_cached()
    {
        Write("f.txt", "linked\n");
        var one = BuildOk("FROM bb\nRUN echo one > /one\nCOPY --link f.txt /opt/f.txt\n");
        var two = BuildOk("FROM bb\nRUN echo two > /two\nCOPY --link f.txt /opt/f.txt\n");
        Assert.Equal("linked", Sh(one, "cat /opt/f.txt"));
        string Last(string image) => q.Ok("image", "inspect", "-f", "{{json .RootFS.Layers}}", image).Split(',').Last();
        Assert.Equal(Last(one), Last(two));
        var again = Build(Tag(), "FROM bb\nRUN echo one > /one\nCOPY --link f.txt /opt/f.txt\n");
        Assert.Equal(2, Cached(again));
    }

    [Fact]
    public void COPY_from_a_stage_streams_a_big_file_without_holding_it_in_memory()
    {
        var tag = Tag();
        Write("Dockerfile", """
            FROM bb AS big
            RUN busybox dd if=/dev/urandom of=/big bs=1M count=256 2>/dev/null && busybox md5sum /big > /big.md5
            FROM bb
            COPY --from=big /big /big.md5 /out/
            """);
        using var p = q.Start(["build", "-t", tag, Ctx]);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        long peakKb = 0;
        while (!p.WaitForExit(50))
            try
            {
                foreach (var line in File.ReadLines($"/proc/{p.Id}/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peakKb = Math.Max(peakKb, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
            }
            catch (IOException) { }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, e.Result);
        Assert.Equal("big: OK", Sh(tag, "cd /out && busybox sed 's, /big, big,' big.md5 | busybox md5sum -c -"));
        Assert.True(peakKb < 200 * 1024, $"quai build peaked at {peakKb} KiB for a 256 MiB COPY --from");
    }
}
