using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Quai.Engine.IntegrationTests;

/// <summary>What a build takes in and gives out: -o in every type (archives that load back, a directory of the
/// files), --metadata-file, a context tar on stdin (a hostile one too), the build cache in system df and its
/// prune, --no-cache-filter, and BuildKit's plain progress lines.</summary>
public sealed class BuildOutputTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-build-out-").FullName;
    private string Ctx => Path.Combine(_dir, "ctx");

    public void Dispose() => Directory.Delete(_dir, true);

    private const string TwoStage = """
        FROM bb AS gen
        RUN echo generated > /gen.txt
        FROM bb
        COPY --from=gen /gen.txt /out/gen.txt
        COPY hello.txt /out/hello.txt
        CMD ["cat", "/out/gen.txt", "/out/hello.txt"]
        """;

    private void Write(string rel, string text)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private Result Build(params string[] args) => q.RunWith(null, TimeSpan.FromSeconds(120), ["build", .. args, Ctx]);

    /// <summary>quai with binary stdin, and its stdout as bytes.</summary>
    private (int Code, byte[] Out, string Err) RunBinary(byte[]? stdin, params string[] args)
    {
        using var p = q.Start(args, redirectStdin: stdin is not null);
        var err = p.StandardError.ReadToEndAsync();
        var ms = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(ms);
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) { p.Kill(true); throw new TimeoutException("quai " + string.Join(' ', args)); }
        p.WaitForExit();
        copy.Wait();
        return (p.ExitCode, ms.ToArray(), err.Result);
    }

    private static List<string> TarNames(Stream s)
    {
        using var r = new TarReader(s);
        var names = new List<string>();
        while (r.GetNextEntry() is { } e) names.Add(e.Name.TrimStart('.', '/').TrimEnd('/'));
        return names;
    }

    private int Images(params string[] args) => q.Ok(["images", "-q", .. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    [Fact]
    public void Docker_and_oci_archives_load_back_and_run()
    {
        var tag = QuaiHost.Unique("out") + ":1";
        Write("Dockerfile", TwoStage);
        Write("hello.txt", "hello\n");
        var docker = Path.Combine(_dir, "img-docker.tar");
        var oci = Path.Combine(_dir, "img-oci.tar");
        try
        {
            var r = Build("-t", tag, "-o", $"type=docker,dest={docker}");
            Assert.True(r.Code == 0, r.ToString());
            Assert.Contains("exporting to docker image format", r.Err);
            var id = q.Ok("image", "inspect", "-f", "{{.Id}}", tag);
            Assert.Equal(0, Build("-t", tag, "-o", $"type=oci,dest={oci}").Code);
            using (var f = File.OpenRead(oci))
            {
                var names = TarNames(f);
                Assert.Contains("oci-layout", names);
                Assert.Contains("index.json", names);
                Assert.DoesNotContain("manifest.json", names); // docker's file is the docker format's only
            }
            Assert.Empty(Directory.EnumerateFiles(_dir, ".*.tmp"));

            q.Ok("rmi", tag);
            Assert.Contains("Loaded image: " + tag, q.Ok("load", "-i", docker));
            Assert.Equal(id, q.Ok("image", "inspect", "-f", "{{.Id}}", tag));
            Assert.Equal("generated\nhello", q.Ok("run", "--rm", tag));
            q.Ok("rmi", tag);
            Assert.Contains(tag, q.Ok("load", "-i", oci));
            Assert.Equal("generated\nhello", q.Ok("run", "--rm", tag));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void Local_and_tar_outputs_hold_the_final_stages_files_and_tag_nothing()
    {
        var tag = QuaiHost.Unique("local") + ":1";
        Write("Dockerfile", TwoStage);
        Write("hello.txt", "hello\n");
        var dest = Path.Combine(_dir, "out-dir");
        var before = Images();
        var r = Build("-t", tag, "-o", $"type=local,dest={dest}");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("generated\n", File.ReadAllText(Path.Combine(dest, "out/gen.txt")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(dest, "out/hello.txt")));
        Assert.True(File.Exists(Path.Combine(dest, "bin/busybox")));
        Assert.False(Directory.Exists(Path.Combine(dest, "proc")), "only the image's files, no container mountpoints");
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        Assert.Equal(before, Images());

        var shorthand = Path.Combine(_dir, "short");
        Assert.Equal(0, q.RunWith(null, TimeSpan.FromSeconds(120), "build", "-o", shorthand, Ctx).Code);
        Assert.True(File.Exists(Path.Combine(shorthand, "out/hello.txt")));

        var tar = Path.Combine(_dir, "fs.tar");
        Assert.Equal(0, Build("-o", $"type=tar,dest={tar}").Code);
        using (var f = File.OpenRead(tar)) Assert.Contains("out/gen.txt", TarNames(f));

        var (code, stdout, err) = RunBinary(null, "build", "-o", "-", Ctx);
        Assert.True(code == 0, err);
        Assert.Contains("out/hello.txt", TarNames(new MemoryStream(stdout)));
        Assert.Equal(before, Images());
    }

    [Fact]
    public void The_metadata_file_holds_buildkits_fields_matching_image_inspect()
    {
        var tag = QuaiHost.Unique("meta") + ":1";
        Write("Dockerfile", "FROM bb\nRUN echo x > /x\n");
        var meta = Path.Combine(_dir, "meta.json");
        try
        {
            var r = Build("-t", tag, "--metadata-file", meta);
            Assert.True(r.Code == 0, r.ToString());
            using var doc = JsonDocument.Parse(File.ReadAllText(meta));
            var m = doc.RootElement;
            Assert.Equal(q.Ok("image", "inspect", "-f", "{{.Id}}", tag), m.GetProperty("containerimage.config.digest").GetString());
            var digest = q.Ok("image", "inspect", "-f", "{{.Descriptor.digest}}", tag);
            Assert.Equal(digest, m.GetProperty("containerimage.digest").GetString());
            Assert.Equal(digest, m.GetProperty("containerimage.descriptor").GetProperty("digest").GetString());
            Assert.Equal("application/vnd.oci.image.manifest.v1+json", m.GetProperty("containerimage.descriptor").GetProperty("mediaType").GetString());
            Assert.Equal("docker.io/library/" + tag, m.GetProperty("image.name").GetString());
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    private static byte[] Tar(Action<TarWriter> body, bool gzip = false)
    {
        var ms = new MemoryStream();
        using (Stream s = gzip ? new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true) : ms)
        using (var w = new TarWriter(s, TarEntryFormat.Pax, leaveOpen: true))
            body(w);
        return ms.ToArray();
    }

    /// <summary>The bytes compressed by the real tool (bzip2, xz or zstd from Debian), as a user's pipeline makes them.</summary>
    private static byte[] Compress(string tool, byte[] data)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(tool, tool == "zstd" ? ["-q", "-c"] : ["-c"])
        { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        var read = Task.Run(() => { using var ms = new MemoryStream(); p.StandardOutput.BaseStream.CopyTo(ms); return ms.ToArray(); });
        p.StandardInput.BaseStream.Write(data);
        p.StandardInput.Close();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return read.Result;
    }

    private static void File_(TarWriter w, string name, string content)
        => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });

    [Fact]
    public void A_context_tar_on_stdin_builds_plain_or_compressed_and_text_on_stdin_is_a_dockerfile()
    {
        var tag = QuaiHost.Unique("stdin") + ":1";
        try
        {
            foreach (var kind in new[] { "plain", "gzip", "bzip2", "xz", "zstd" })
            {
                var tar = Tar(w =>
                {
                    File_(w, "Dockerfile", "FROM bb\nCOPY msg.txt /msg.txt\nCMD [\"cat\", \"/msg.txt\"]\n");
                    File_(w, "msg.txt", kind + "\n");
                }, kind == "gzip");
                if (kind is "bzip2" or "xz" or "zstd") tar = Compress(kind, tar);
                var (code, _, err) = RunBinary(tar, "build", "-t", tag, "-");
                Assert.True(code == 0, kind + ": " + err);
                Assert.Equal(kind, q.Ok("run", "--rm", tag));
            }
            var text = q.RunWith("FROM bb\nCMD [\"echo\", \"from-text\"]\n", TimeSpan.FromSeconds(120), "build", "-t", tag, "-");
            Assert.True(text.Code == 0, text.ToString());
            Assert.Equal("from-text", q.Ok("run", "--rm", tag));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void A_hostile_context_tar_writes_nothing_outside_its_private_directory()
    {
        var tag = QuaiHost.Unique("hostile") + ":1";
        var host = Directory.CreateDirectory(Path.Combine(_dir, "host")).FullName;
        var tar = Tar(w =>
        {
            File_(w, "Dockerfile", "FROM bb\nCOPY . /ctx/\nCMD [\"ls\", \"-R\", \"/ctx\"]\n");
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "etc-link") { LinkName = "/etc/hostname", Mode = (UnixFileMode)0x1FF });
        });
        try
        {
            // an entry that climbs out with .. is refused, as docker refuses it, and nothing is built
            var climbing = Tar(w =>
            {
                File_(w, "Dockerfile", "FROM bb\n");
                File_(w, "../../../../../../.." + host + "/dotdot", "escaped");
            });
            var (bad, _, badErr) = RunBinary(climbing, "build", "-t", tag, "-");
            Assert.Equal(1, bad);
            Assert.Contains("unable to prepare context", badErr);
            Assert.Empty(Directory.EnumerateFileSystemEntries(host));
            Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);

            // nothing is written through a link that points out of the context
            var through = Tar(w =>
            {
                File_(w, "Dockerfile", "FROM bb\n");
                w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = host, Mode = (UnixFileMode)0x1FF });
                File_(w, "link/through-link", "escaped");
            });
            var (bad2, _, bad2Err) = RunBinary(through, "build", "-t", tag, "-");
            Assert.Equal(1, bad2);
            Assert.Contains("unable to prepare context", bad2Err);
            Assert.Empty(Directory.EnumerateFileSystemEntries(host));

            // a link to a host file is copied as a link, never read
            var (code, _, err) = RunBinary(tar, "build", "-t", tag, "-");
            Assert.True(code == 0, err);
            Assert.Empty(Directory.EnumerateFileSystemEntries(host));
            // a symlink to a host file stays a link inside the context: the build never reads the host's file
            var ls = q.Ok("run", "--rm", "--entrypoint", "/bin/busybox", tag, "readlink", "/ctx/etc-link");
            Assert.Equal("/etc/hostname", ls);

            // a Dockerfile that is a link to a host file is read inside the context, where it is not
            var sneaky = Tar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "Dockerfile") { LinkName = Path.Combine(_dir, "ctx-df") }));
            File.WriteAllText(Path.Combine(_dir, "ctx-df"), "FROM bb\nLABEL leaked=yes\n");
            var (code2, _, err2) = RunBinary(sneaky, "build", "-t", tag + "x", "-");
            Assert.Equal(1, code2);
            Assert.Contains("failed to read dockerfile", err2);
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    private static (int Total, string Size) CacheRow(string df)
    {
        var row = df.Split('\n').Single(l => l.StartsWith("Build Cache", StringComparison.Ordinal));
        var cols = Regex.Split(row.Trim(), @"\s{2,}");
        return (int.Parse(cols[1]), cols[3]);
    }

    [Fact]
    public void System_df_counts_the_build_cache_and_builder_prune_empties_it()
    {
        var tag = QuaiHost.Unique("df") + ":1";
        Write("Dockerfile", $"FROM bb\nRUN head -c 300000 /bin/busybox > /blob-{Guid.NewGuid():N}\nRUN echo two > /two\n");
        try
        {
            q.Ok("builder", "prune", "-f");
            Assert.Equal(0, CacheRow(q.Ok("system", "df")).Total);
            Assert.Equal(0, Build("-t", tag).Code);
            var (total, size) = CacheRow(q.Ok("system", "df"));
            Assert.Equal(2, total); // the two RUN steps
            Assert.NotEqual("0B", size);
            var verbose = q.Ok("system", "df", "-v");
            Assert.Contains("CACHE ID", verbose);
            Assert.Matches(@"[0-9a-f]{12}\s+regular\s+\S+\s+.*ago\s+.*ago\s+1\s+(true|false)", verbose);

            var until = q.Ok("builder", "prune", "-f", "--filter", "until=24h"); // nothing is that old
            Assert.DoesNotContain("Deleted build cache objects", until);
            Assert.Equal(2, CacheRow(q.Ok("system", "df")).Total);

            var pruned = q.Ok("builder", "prune", "-f");
            Assert.Contains("Deleted build cache objects:", pruned);
            Assert.Contains("Total:", pruned);
            Assert.Equal(0, CacheRow(q.Ok("system", "df")).Total);
            Assert.Equal("two", q.Ok("run", "--rm", tag, "cat", "/two")); // the tagged result stays
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void No_cache_filter_rebuilds_only_the_named_stage()
    {
        Write("Dockerfile", """
            FROM bb AS one
            RUN echo one > /one
            FROM bb AS two
            RUN echo two > /two
            FROM bb
            COPY --from=two /two /two
            """);
        Assert.Equal(0, Build().Code);
        var r = Build("--no-cache-filter", "one");
        Assert.True(r.Code == 0, r.ToString());
        var lines = r.Err.Split('\n');
        string? Number(string name) => lines.FirstOrDefault(l => l.Contains(name, StringComparison.Ordinal)) is { } l ? l.Split(' ')[0] : null;
        bool CachedStep(string name) => Number(name) is { } n && lines.Any(l => l.Trim() == n + " CACHED");
        Assert.False(CachedStep("[one 2/2] RUN echo one"), r.Err);
        Assert.True(CachedStep("[two 2/2] RUN echo two"), r.Err);
        Assert.True(CachedStep("COPY --from=two"), r.Err);
    }

    [Fact]
    public void Plain_progress_prints_buildkits_lines()
    {
        Write("Dockerfile", $"FROM bb\nRUN echo progress-{Guid.NewGuid():N}\nRUN exit 4\n");
        var r = Build("--progress", "plain");
        Assert.Equal(1, r.Code);
        Assert.Matches(@"(?m)^#1 \[internal\] load build definition from Dockerfile$", r.Err);
        Assert.Matches(@"(?m)^#\d+ \[1/3\] FROM bb$", r.Err);
        Assert.Matches(@"(?m)^#(\d+) \[2/3\] RUN echo progress-\w+$", r.Err);
        Assert.Matches(@"(?m)^#\d+ \d+\.\d{3} progress-\w+$", r.Err);
        Assert.Matches(@"(?m)^#\d+ DONE \d+\.\ds$", r.Err);
        Assert.Matches(@"(?m)^#\d+ ERROR: (Dockerfile:3: )?process ""/bin/sh -c exit 4"" did not complete successfully: exit code: 4$", r.Err);
        Assert.Contains("ERROR: failed to solve: Dockerfile:3:", r.Err);
        var quiet = Build("--progress", "quiet");
        Assert.DoesNotContain("#1", quiet.Err);
    }

    [Theory]
    [InlineData("https://github.com/example/repo.git", "", "remote contexts")]
    [InlineData(null, "type=registry", "no registry client")]
    [InlineData(null, "type=oci", "needs dest")]
    [InlineData(null, "type=bogus,dest=x", "unsupported output type")]
    public void Unsupported_sources_and_outputs_are_refused_clearly(string? context, string output, string error)
    {
        Write("Dockerfile", "FROM bb\n");
        string[] args = output.Length > 0 ? ["build", "-o", output, context ?? Ctx] : ["build", context ?? Ctx];
        var r = q.Run(args);
        Assert.Equal(1, r.Code);
        Assert.Contains(error, r.Err);
    }
}
