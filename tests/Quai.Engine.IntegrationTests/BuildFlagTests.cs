namespace Quai.Engine.IntegrationTests;

/// <summary>`quai build`'s flags and context forms through real builds: --iidfile, --label, several -t,
/// -f outside the context with its own NAME.dockerignore, .dockerignore patterns, the `-` context,
/// and --target building only what the target needs.</summary>
public sealed class BuildFlagTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly BuildDir b = new(q);

    public void Dispose() => b.Dispose();

    [Fact]
    public void Iidfile_labels_and_several_tags_name_the_same_image()
    {
        string t1 = b.Tag("multi-a"), t2 = b.Tag("multi-b");
        var iid = Path.Combine(b.Dir, "iid");
        b.Write("Dockerfile", "FROM bb\nLABEL from.file=yes\nRUN true\n");
        var r = b.Ok("-t", t1, "-t", t2, "--iidfile", iid, "--label", "from.cli=1", "--label", "from.file=overridden");
        var id = File.ReadAllText(iid);
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        Assert.Equal(id, b.Inspect(t1, "{{.Id}}"));
        Assert.Equal(id, b.Inspect(t2, "{{.Id}}"));
        Assert.Contains($"naming to docker.io/library/{t1} done", r.Err); // BuildKit's normalized names
        Assert.Contains($"naming to docker.io/library/{t2} done", r.Err);
        Assert.Equal("""{"from.cli":"1","from.file":"overridden"}""", b.Inspect(t1, "{{json .Config.Labels}}"));
    }

    [Fact]
    public void A_dockerfile_outside_the_context_with_a_custom_name_uses_its_own_dockerignore()
    {
        var tag = b.Tag("outside");
        var df = Path.Combine(b.Dir, "build", "app.Dockerfile");
        Directory.CreateDirectory(Path.GetDirectoryName(df)!);
        File.WriteAllText(df, "FROM bb\nCOPY . /ctx/\nRUN cd /ctx && ls -R | grep -v ':$' | busybox sort\n");
        File.WriteAllText(df + ".dockerignore", "secret*\n");
        b.Write(".dockerignore", "kept.txt\n"); // not used: the Dockerfile's own ignore file wins
        b.Write("kept.txt", "k");
        b.Write("secret.txt", "s");
        b.Write("sub/secret-too.txt", "s");
        var r = b.Ok("-f", df, "-t", tag);
        var files = BuildDir.Lines(q.Ok("run", "--rm", tag, "sh", "-c", "cd /ctx && find . -type f | busybox sort"));
        Assert.Equal(["./.dockerignore", "./kept.txt", "./sub/secret-too.txt"], files); // secret* matches only at the root
        _ = r;
    }

    [Fact]
    public void Dockerignore_double_star_and_exceptions_decide_what_copy_sees()
    {
        var tag = b.Tag("ignore");
        b.Write("Dockerfile", "FROM bb\nCOPY . /ctx/\n");
        b.Write(".dockerignore", """
            # comments and blank lines are skipped

            **/*.log
            !keep/**/important.log
            build/
            docs/*.md
            !docs/README.md
            """);
        foreach (var f in new[] { "a.log", "deep/er/b.log", "keep/x/important.log", "keep/x/other.log", "build/out.bin",
                     "docs/a.md", "docs/README.md", "docs/sub/nested.md", "src/main.c" })
            b.Write(f, f);
        b.Ok("-t", tag);
        var files = BuildDir.Lines(q.Ok("run", "--rm", tag, "sh", "-c", "cd /ctx && find . -type f | busybox sort"));
        Assert.Equal(["./.dockerignore", "./Dockerfile", "./docs/README.md", "./docs/sub/nested.md", "./keep/x/important.log", "./src/main.c"], files);
    }

    [Fact]
    public void A_dockerfile_on_stdin_builds_with_an_empty_context()
    {
        var tag = b.Tag("stdin");
        b.Write("ignored.txt", "x");
        var r = q.RunWith("FROM bb\nRUN echo from-stdin > /s\nCMD [\"cat\", \"/s\"]\n", TimeSpan.FromSeconds(120), "build", "-t", tag, "-");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("from-stdin", q.Ok("run", "--rm", tag));
        // with `-` there is no context: COPY finds nothing
        var copy = q.RunWith("FROM bb\nCOPY ignored.txt /x\n", TimeSpan.FromSeconds(120), "build", "-");
        Assert.Equal(1, copy.Code);
        Assert.Contains("Dockerfile:2", copy.Err);
        // -f - reads the Dockerfile from stdin with a directory context
        var f = q.RunWith("FROM bb\nCOPY ignored.txt /x\nCMD [\"cat\", \"/x\"]\n", TimeSpan.FromSeconds(120), "build", "-t", tag, "-f", "-", b.Ctx);
        Assert.True(f.Code == 0, f.ToString());
        Assert.Equal("x", q.Ok("run", "--rm", tag));
    }

    [Fact]
    public void Target_builds_only_the_stages_it_needs()
    {
        var tag = b.Tag("target");
        b.Write("Dockerfile", """
            FROM bb AS unneeded
            RUN echo unneeded-ran && exit 7

            FROM bb AS dep
            RUN echo dep-ran > /dep

            FROM bb AS wanted
            COPY --from=dep /dep /dep
            RUN echo wanted-ran

            FROM wanted AS after
            RUN echo after-ran && exit 9
            """);
        var r = b.Ok("--target", "wanted", "-t", tag);
        Assert.Contains("wanted-ran", r.Err);
        Assert.Contains("dep-ran", r.Err + q.Ok("run", "--rm", tag, "cat", "/dep"));
        Assert.DoesNotContain("unneeded-ran", r.Err);
        Assert.DoesNotContain("after-ran", r.Err);
        // the target is matched case-insensitively, as stage names are
        Assert.Equal(0, b.Build("--target", "WANTED").Code);
        b.AssertNoContainers();
    }
}
