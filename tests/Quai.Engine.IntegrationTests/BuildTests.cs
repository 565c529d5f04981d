namespace Quai.Engine.IntegrationTests;

/// <summary>`quai build` end to end: real RUN containers on the real kernel, layers in the store, the
/// content-keyed cache, and Docker's errors for bad Dockerfiles.</summary>
public sealed class BuildTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-build-test-").FullName;
    private string Ctx => Path.Combine(_dir, "ctx");

    public void Dispose() => Directory.Delete(_dir, true);

    private const string MultiStage = """
        # syntax=docker/dockerfile:1
        FROM bb AS builder
        ARG FLAVOUR=plain
        WORKDIR /src
        COPY greeting.txt ./
        COPY lib/ /src/lib/
        RUN <<EOF
        cat greeting.txt lib/*.txt > /artefact
        echo "flavour=$FLAVOUR" >> /artefact
        EOF
        RUN echo built-in-builder

        FROM scratch
        COPY --from=builder /artefact /artefact
        COPY --from=bb /bin/busybox /bin/busybox
        ENV PATH=/bin
        LABEL org.example.kind=demo
        EXPOSE 8080
        USER 1000:1000
        ENTRYPOINT ["/bin/busybox"]
        CMD ["cat", "/artefact"]
        """;

    private void Write(string rel, string text)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private Result Build(params string[] args) => q.RunWith(null, TimeSpan.FromSeconds(120), ["build", .. args, Ctx]);

    private string ImageInspect(string image, string format) => q.Ok("image", "inspect", "-f", format, image);

    /// <summary>Steps reported cached: BuildKit's plain lines (<c>#7 CACHED</c>), any line whose text ends with CACHED.</summary>
    private static int Cached(Result r) => r.Err.Split('\n').Count(l => l.Trim().EndsWith("CACHED", StringComparison.Ordinal));

    [Fact]
    public void A_multi_stage_build_runs_and_keeps_only_the_artefact_and_what_the_dockerfile_says()
    {
        var tag = QuaiHost.Unique("build") + ":1";
        Write("Dockerfile", MultiStage);
        Write("greeting.txt", "hello\n");
        Write("lib/a.txt", "from a\n");
        try
        {
            var r = Build("-t", tag, "--build-arg", "FLAVOUR=spicy");
            Assert.True(r.Code == 0, r.ToString());
            Assert.Contains("built-in-builder", r.Err); // RUN output is streamed
            Assert.Equal("hello\nfrom a\nflavour=spicy", q.Ok("run", "--rm", tag));
            Assert.Equal("1000:1000", ImageInspect(tag, "{{.Config.User}}"));
            Assert.Contains("\"org.example.kind\":\"demo\"", ImageInspect(tag, "{{json .Config.Labels}}"));
            Assert.Contains("8080/tcp", ImageInspect(tag, "{{json .Config.ExposedPorts}}"));
            // the final stage holds the artefact and busybox, not the builder's /src
            var ls = q.Run("run", "--rm", "--entrypoint", "/bin/busybox", tag, "ls", "/");
            Assert.Equal("artefact\nbin", string.Join('\n', ls.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l is not ("dev" or "etc" or "proc" or "sys"))));
            // one history entry per instruction of the final stage, empty_layer where no layer
            var history = q.Ok("history", "--no-trunc", tag).Split('\n')[1..];
            Assert.Equal(8, history.Length);
            Assert.Contains("CMD [\"cat\",\"/artefact\"]", history[0]);
            Assert.Contains("COPY --from=builder /artefact /artefact", history[^1]);
            // no build container is left behind
            Assert.Empty(q.Ok("ps", "-aq").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void The_cache_follows_content_not_mtimes_and_rebuilds_from_the_first_reader_of_a_changed_file()
    {
        var tag = QuaiHost.Unique("cache") + ":1";
        Write("Dockerfile", """
            FROM bb
            COPY a.txt /a.txt
            RUN cat /a.txt > /copy-a
            COPY b.txt /b.txt
            RUN cat /a.txt /b.txt
            """);
        Write("a.txt", "a\n");
        Write("b.txt", "b\n");
        try
        {
            var first = Build("-q", "-t", tag);
            Assert.True(first.Code == 0, first.ToString());
            var id = first.Out.Trim();

            var again = Build("-t", tag);
            Assert.True(again.Code == 0, again.ToString());
            Assert.Equal(4, Cached(again));
            Assert.Equal(id, ImageInspect(tag, "{{.Id}}"));

            File.SetLastWriteTimeUtc(Path.Combine(Ctx, "a.txt"), DateTime.UtcNow.AddMinutes(5)); // touched, not changed
            var touched = Build("-t", tag);
            Assert.Equal(4, Cached(touched));
            Assert.Equal(id, ImageInspect(tag, "{{.Id}}"));

            Write("b.txt", "B\n"); // changed: the first two steps stay cached
            var changed = Build("-t", tag);
            Assert.True(changed.Code == 0, changed.ToString());
            Assert.Equal(2, Cached(changed));
            Assert.Matches(@"(?m) a\n#\d+ \d+\.\d{3} B$", changed.Err); // the RUN's output lines, as BuildKit's plain progress prints them
            Assert.NotEqual(id, ImageInspect(tag, "{{.Id}}"));

            var noCache = Build("--no-cache", "-t", tag);
            Assert.Equal(0, Cached(noCache));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Theory]
    [InlineData("FROM bb\nRUN true\nFROBNICATE x\n", "Dockerfile:3: unknown instruction: FROBNICATE")]
    [InlineData("FROM bb\nRUN echo start && exit 3\n", "Dockerfile:2: process \"/bin/sh -c echo start && exit 3\" did not complete successfully: exit code: 3")]
    [InlineData("FROM bb\nCOPY ../outside /x\n", "Dockerfile:2: COPY")]
    [InlineData("FROM no-such-image-here\n", "Dockerfile:1: FROM no-such-image-here: failed to resolve source metadata for no-such-image-here")]
    [InlineData("FROM bb AS a\nCOPY --from=b /x /x\nFROM bb AS b\nCOPY --from=a /x /x\n", "circular dependency")]
    public void Bad_input_fails_naming_the_line_and_tags_nothing(string dockerfile, string error)
    {
        var tag = QuaiHost.Unique("bad") + ":1";
        Write("Dockerfile", dockerfile);
        Directory.CreateDirectory(Ctx);
        File.WriteAllText(Path.Combine(_dir, "outside"), "secret");
        var r = Build("-t", tag);
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains(error, r.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        Assert.Empty(q.Ok("ps", "-aq").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Builder_prune_drops_the_cache_and_its_step_images_but_not_tagged_results()
    {
        var tag = QuaiHost.Unique("prune") + ":1";
        Write("Dockerfile", "FROM bb\nRUN echo one > /one\nRUN echo two > /two\nCMD [\"cat\", \"/one\", \"/two\"]\n");
        try
        {
            Assert.Equal(0, Build("-q", "-t", tag).Code);
            int Count(params string[] args) => q.Ok(["images", "-q", .. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(Count("-a") - Count() >= 2, "the two RUN steps are hidden without -a");
            var pruned = q.Ok("builder", "prune", "-f");
            Assert.Contains("Deleted build cache objects:", pruned);
            Assert.Equal(Count(), Count("-a")); // no step image is left
            Assert.Equal("one\ntwo", q.Ok("run", "--rm", tag));
            var again = Build("-t", tag);
            Assert.Equal(0, Cached(again));
            Assert.Contains("Total:", q.Ok("buildx", "prune", "-f"));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void An_unknown_target_is_refused()
    {
        Write("Dockerfile", "FROM bb AS one\nRUN true\n");
        var r = Build("--target", "two");
        Assert.Equal(1, r.Code);
        Assert.Contains("target stage \"two\" could not be found", r.Err);
    }
}
