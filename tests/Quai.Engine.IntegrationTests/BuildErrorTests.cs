namespace Quai.Engine.IntegrationTests;

/// <summary>Bad Dockerfiles and bad requests through `quai build`: each fails with a Docker-like message
/// naming the Dockerfile line, exits non-zero, tags nothing and leaves no container.</summary>
public sealed class BuildErrorTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly BuildDir b = new(q);

    public void Dispose() => b.Dispose();

    private Result Fails(string dockerfile, string expected, params string[] args)
    {
        var tag = b.Tag("bad");
        b.Write("Dockerfile", dockerfile);
        File.WriteAllText(Path.Combine(b.Dir, "outside"), "outside-the-context");
        if (!Path.Exists(Path.Combine(b.Ctx, "etc"))) File.CreateSymbolicLink(Path.Combine(b.Ctx, "etc"), "/etc");
        if (!Path.Exists(Path.Combine(b.Ctx, "passwd"))) File.CreateSymbolicLink(Path.Combine(b.Ctx, "passwd"), "/etc/passwd");
        var r = b.Build(["-t", tag, .. args]);
        Assert.True(r.Code != 0, r.ToString());
        Assert.Contains(expected, r.Err);
        Assert.Contains("ERROR: failed to solve: ", r.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        b.AssertNoContainers();
        return r;
    }

    [Theory]
    [InlineData("FROM bb\nRUN true\nFROBNICATE x\n", "Dockerfile:3: unknown instruction: FROBNICATE")]
    [InlineData("FROM bb\nRUN true\nRUN <<EOF\necho never ends\n", "Dockerfile:3: unterminated heredoc")]
    [InlineData("FROM bb\nCOPY --from=nosuchstage /x /x\n", "Dockerfile:2: COPY --from=nosuchstage")]
    [InlineData("FROM bb AS a\nCOPY --from=b /x /x\nFROM bb AS b\nCOPY --from=a /x /x\n", "circular dependency detected on stage: ")]
    [InlineData("FROM bb\nCOPY ../outside /x\n", "Dockerfile:2: COPY")]
    [InlineData("FROM bb\nRUN echo start && exit 42\n", "Dockerfile:2: process \"/bin/sh -c echo start && exit 42\" did not complete successfully: exit code: 42")]
    [InlineData("FROM $MISSING\nRUN true\n", "base name ($MISSING) should not be blank")]
    [InlineData("ARG TAG\nFROM bb:${TAG}\n", "Dockerfile:2")]
    [InlineData("FROM bb\nRUN --security=insecure true\n", "Dockerfile:2: RUN --security=insecure")]
    [InlineData("", "the Dockerfile cannot be empty")]
    [InlineData("# only a comment\n\n", "file with no instructions")]
    [InlineData("FROM bb\nSTOPSIGNAL SIGNOPE\n", "Dockerfile:2: Invalid signal: SIGNOPE")]
    [InlineData("FROM bb\nEXPOSE 80/quic\n", "Dockerfile:2: invalid proto: quic")]
    [InlineData("FROM bb\nWORKDIR /etc/passwd/sub\n", "Dockerfile:2: WORKDIR /etc/passwd/sub: mkdir /etc/passwd: not a directory")]
    [InlineData("FROM bb\nRUN true\nFROM scratch\nRUN true\n", "Dockerfile:4")]
    public void Bad_input_fails_naming_the_line_and_leaves_nothing(string dockerfile, string expected) => Fails(dockerfile, expected);

    [Fact]
    public void Copy_through_a_symlink_out_of_the_context_is_refused_and_copies_no_host_file()
    {
        Fails("FROM bb\nCOPY etc/shadow /x\n", "Dockerfile:2: COPY");
        Fails("FROM bb\nCOPY passwd /x\n", "Dockerfile:2: COPY");
    }

    [Fact]
    public void A_failing_run_in_a_later_stage_names_its_line_and_its_exit_code()
    {
        var r = Fails("FROM bb AS one\nRUN true\n\nFROM one\nRUN echo to-stderr >&2; exit 3\n", "Dockerfile:5: process \"/bin/sh -c echo to-stderr >&2; exit 3\" did not complete successfully: exit code: 3");
        Assert.Contains("to-stderr", r.Err); // the step's output is shown before the error
    }

    [Fact]
    public void An_unknown_target_is_refused_before_anything_runs()
    {
        var r = Fails("FROM bb AS one\nRUN echo must-not-run\n", "target stage \"two\" could not be found", "--target", "two");
        Assert.DoesNotContain("must-not-run", r.Err);
    }

    [Fact]
    public void A_bad_json_exec_form_falls_back_to_the_shell_form_as_docker_does()
    {
        // CMD: the text as written becomes a shell-form command
        var tag = b.Tag("badjson");
        b.Write("Dockerfile", "FROM bb\nCMD [\"echo\", \"unterminated]\n");
        b.Ok("-t", tag);
        Assert.Equal(["/bin/sh", "-c", "[\"echo\", \"unterminated]"], b.Strings(tag, "Cmd"));
        // RUN: the shell then fails to find a command named `["echo",`
        Fails("FROM bb\nRUN [\"echo\", \"a\" \"b\"]\n", "Dockerfile:2: process \"/bin/sh -c [\"echo\", \"a\" \"b\"]\" did not complete successfully: exit code: 127");
    }
}
