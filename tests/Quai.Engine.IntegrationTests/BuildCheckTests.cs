namespace Quai.Engine.IntegrationTests;

/// <summary>`quai build --check` end to end through the published binary: BuildKit's report on stdout,
/// exit 1 when anything is found (0 when clean), `# check=skip=…`/`error=true` and
/// BUILDKIT_DOCKERFILE_CHECK, and nothing built: no image, no container, no cache entry.</summary>
public sealed class BuildCheckTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-check-test-").FullName;
    private readonly List<string> _tags = [];
    private string Ctx => Path.Combine(_dir, "ctx");

    public void Dispose()
    {
        foreach (var tag in _tags) q.Run("rmi", "-f", tag);
        Directory.Delete(_dir, true);
    }

    private void Write(string rel, string text)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private Result Check(params string[] args) => q.RunWith(null, TimeSpan.FromSeconds(60), ["build", "--check", .. args, Ctx]);

    /// <summary>A pinned tag of the fixture's busybox, so a clean Dockerfile can be written.</summary>
    private string PinnedBase()
    {
        var tag = QuaiHost.Unique("chk") + ":1.36";
        q.Ok("tag", "bb", tag);
        _tags.Add(tag);
        return tag;
    }

    private string[] Images() => q.Ok("images", "-aq", "--no-trunc").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();

    private string[] CacheEntries() => Directory.Exists(Path.Combine(q.Root, "build-cache"))
        ? Directory.GetFiles(Path.Combine(q.Root, "build-cache")).Order().ToArray() : [];

    [Fact]
    public void Violations_are_reported_as_buildkit_does_with_exit_1_and_nothing_is_built()
    {
        Write("Dockerfile", "FROM bb AS Build\nMAINTAINER me@example.com\nRUN echo one\nRUN echo two\nCOPY app.txt /app.txt\nCMD echo hello\n");
        Write("app.txt", "x\n");
        var images = Images();
        var cache = CacheEntries();

        var r = Check("-t", QuaiHost.Unique("never") + ":1");

        Assert.True(r.Code == 1, r.ToString());
        Assert.StartsWith("Check complete, 7 warnings have been found!\n", r.Out);
        Assert.Contains("""

            WARNING: StageNameCasing - https://docs.docker.com/go/dockerfile/rule/stage-name-casing/
            Stage name 'Build' should be lowercase
            Dockerfile:1
            --------------------
               1 | >>> FROM bb AS Build
               2 |     MAINTAINER me@example.com
               3 |     RUN echo one
            --------------------
            Fix: Write the stage name in lower case (stage names are case-insensitive).

            """.ReplaceLineEndings("\n"), r.Out);
        Assert.Contains("WARNING: MaintainerDeprecated - https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/\nMaintainer instruction is deprecated in favor of using label\nDockerfile:2\n", r.Out);
        Assert.Contains("WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/\nJSON arguments recommended for CMD to prevent unintended behavior related to OS signals\nDockerfile:6\n", r.Out);
        // Quai's rules: no URL, the course's advice
        Assert.Contains("WARNING: UnpinnedBaseImage\nBase image 'bb' has no tag: it means 'bb:latest', whatever that is at build time\nDockerfile:1\n", r.Out);
        Assert.Contains("WARNING: ConsecutiveRunInstructions\n2 consecutive RUN instructions make 2 layers; merge them into one RUN\nDockerfile:3\n--------------------\n   2 |     MAINTAINER me@example.com\n   3 | >>> RUN echo one\n   4 | >>> RUN echo two\n   5 |     COPY app.txt /app.txt\n--------------------\n", r.Out);
        Assert.Contains("WARNING: MissingDockerignore\n", r.Out);
        Assert.Contains("WARNING: NoUser\nThe final stage sets no USER: the container runs as root\nDockerfile:1\n", r.Out);
        Assert.DoesNotContain("ERROR", r.Err);

        // a check, not a build: no image, no tag, no container, no cache entry
        Assert.Equal(images, Images());
        Assert.Equal(cache, CacheEntries());
        Assert.Empty(q.Ok("ps", "-aq").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_clean_dockerfile_passes_with_exit_0_without_running_anything()
    {
        var base_ = PinnedBase();
        // the RUN would fail a build: --check does not run it
        Write("Dockerfile", $"FROM {base_}\nCOPY app.txt /app.txt\nRUN exit 3\nUSER 1000:1000\nCMD [\"cat\", \"/app.txt\"]\n");
        Write("app.txt", "x\n");
        Write(".dockerignore", ".git\n");

        var r = Check();

        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Check complete, no warnings found.\n", r.Out);
        Assert.Empty(q.Ok("ps", "-aq").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Skip_directives_and_the_build_arg_leave_rules_out()
    {
        var base_ = PinnedBase();
        Write(".dockerignore", ".git\n");
        const string body = "FROM {0} AS BASE_STAGE\nUSER app\nCMD echo \"Hello, world!\"\n";

        Write("Dockerfile", "# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended,StageNameCasing\n" + string.Format(body, base_));
        var skipped = Check();
        Assert.True(skipped.Code == 0, skipped.ToString());
        Assert.Equal("Check complete, no warnings found.\n", skipped.Out);

        Write("Dockerfile", "# check=skip=JSONArgsRecommended\n" + string.Format(body, base_));
        var one = Check();
        Assert.True(one.Code == 1, one.ToString());
        Assert.StartsWith("Check complete, 1 warning has been found!\n\nWARNING: StageNameCasing - ", one.Out);

        Write("Dockerfile", "# check=skip=all\nfrom bb as Mixed\nMAINTAINER x\n");
        var all = Check();
        Assert.True(all.Code == 0, all.ToString());

        // the build arg replaces the directive
        Write("Dockerfile", "# check=skip=all\n" + string.Format(body, base_));
        var fromArg = Check("--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=StageNameCasing");
        Assert.True(fromArg.Code == 1, fromArg.ToString());
        Assert.StartsWith("Check complete, 1 warning has been found!\n\nWARNING: JSONArgsRecommended - ", fromArg.Out);
    }

    [Fact]
    public void Error_true_fails_with_buildkit_error_naming_the_rules()
    {
        var base_ = PinnedBase();
        Write(".dockerignore", ".git\n");
        Write("Dockerfile", $"# syntax=docker/dockerfile:1\n# check=error=true\n\nFROM {base_}\nUSER app\nCMD echo \"Hello, world!\"\n");

        var r = Check();
        Assert.True(r.Code == 1, r.ToString());
        Assert.StartsWith("Check complete, 1 warning has been found!\n", r.Out);
        Assert.StartsWith("ERROR: lint violation found for rules: JSONArgsRecommended\nDockerfile:2\n--------------------\n", r.Err);
        Assert.Contains("   2 | >>> # check=error=true\n", r.Err);

        // the same through the build arg, and clean with error=true is still exit 0
        Write("Dockerfile", $"FROM {base_}\nUSER app\nCMD echo \"Hello, world!\"\n");
        var arg = Check("--build-arg", "BUILDKIT_DOCKERFILE_CHECK=error=true");
        Assert.True(arg.Code == 1, arg.ToString());
        Assert.StartsWith("ERROR: lint violation found for rules: JSONArgsRecommended\n", arg.Err);
        var clean = Check("--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=JSONArgsRecommended;error=true");
        Assert.True(clean.Code == 0, clean.ToString());
        Assert.Equal("", clean.Err.Trim());
    }

    [Fact]
    public void A_dockerfile_that_does_not_parse_or_a_bad_option_fails_naming_the_line()
    {
        Write("Dockerfile", "FROM bb\nFROBNICATE x\n");
        var r = Check();
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains("ERROR: failed to solve: Dockerfile:2: unknown instruction: FROBNICATE", r.Err);

        Write("Dockerfile", "# check=error=maybe\nFROM bb\n");
        var bad = Check();
        Assert.True(bad.Code == 1, bad.ToString());
        Assert.Contains("ERROR: failed to solve: Dockerfile:1: failed to parse check option \"error=maybe\": invalid boolean value \"maybe\"", bad.Err);
    }

    [Fact]
    public void A_dockerfile_on_stdin_has_no_context_to_check()
    {
        var base_ = PinnedBase();
        var r = q.RunWith($"FROM {base_}\nUSER app\nCOPY x /x\nCMD [\"/x\"]\n", TimeSpan.FromSeconds(60), "build", "--check", "-");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Check complete, no warnings found.\n", r.Out);
    }
}
