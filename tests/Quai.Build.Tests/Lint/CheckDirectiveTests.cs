namespace Quai.Build.Tests.Lint;

using Quai.Build.Lint;
using Quai.Build.Syntax;

/// <summary><c># check=skip=…;error=…;experimental=…</c> and BUILDKIT_DOCKERFILE_CHECK, and the printed report.</summary>
public sealed class CheckDirectiveTests
{
    private const string Body = "FROM alpine:3.20 AS BASE_STAGE\nUSER app\nCMD echo \"Hello, world!\"\n";

    private static string[] Rules(LintReport report) => report.Findings.Select(f => f.Rule.Name).ToArray();

    [Fact]
    public void Without_a_directive_every_stable_rule_runs_and_errors_are_off()
    {
        var report = LintRuleTests.Check(Body);
        Assert.Equal(["StageNameCasing", "JSONArgsRecommended"], Rules(report));
        Assert.Null(report.Error);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void Skip_names_rules_or_all()
    {
        Assert.Equal(["StageNameCasing"], Rules(LintRuleTests.Check("# check=skip=JSONArgsRecommended\n" + Body)));
        var none = LintRuleTests.Check("# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended,StageNameCasing\n" + Body);
        Assert.Empty(none.Findings);
        Assert.Equal(0, none.ExitCode);
        Assert.Empty(LintRuleTests.Check("# check=skip=all\n" + Body).Findings);
    }

    [Fact]
    public void Error_true_makes_the_violations_an_error_naming_the_rules()
    {
        var report = LintRuleTests.Check("# check=error=true\n" + Body);
        Assert.Equal("lint violation found for rules: JSONArgsRecommended, StageNameCasing", report.Error);
        Assert.Equal(1, report.OptionsLine);
        var clean = LintRuleTests.Check("# check=skip=JSONArgsRecommended,StageNameCasing;error=true\n" + Body);
        Assert.Null(clean.Error);
        Assert.Equal(0, clean.ExitCode);
    }

    [Fact]
    public void The_build_arg_replaces_the_directive()
    {
        var args = new Dictionary<string, string> { [DockerfileLinter.CheckBuildArg] = "skip=StageNameCasing;error=true" };
        var report = LintRuleTests.Check("# check=skip=JSONArgsRecommended\n" + Body, args);
        Assert.Equal(["JSONArgsRecommended"], Rules(report));
        Assert.Equal("lint violation found for rules: JSONArgsRecommended", report.Error);
        Assert.Equal(0, report.OptionsLine);
    }

    [Fact]
    public void Experimental_rules_run_only_when_enabled_even_with_skip_all()
    {
        var options = CheckOptions.Parse("skip=all;experimental=all");
        Assert.True(options.Runs(LintRules.CopyIgnoredFile));
        Assert.False(options.Runs(LintRules.StageNameCasing));
        Assert.False(CheckOptions.Default.Runs(LintRules.CopyIgnoredFile));
        Assert.True(CheckOptions.Parse("experimental=CopyIgnoredFile").Runs(LintRules.CopyIgnoredFile));
    }

    [Theory]
    [InlineData("# check=skip", "Dockerfile:1: invalid check option \"skip\"")]
    [InlineData("# check=error=maybe", "Dockerfile:1: failed to parse check option \"error=maybe\": invalid boolean value \"maybe\"")]
    [InlineData("# check=frobnicate=1", "Dockerfile:1: invalid check option \"frobnicate=1\"")]
    public void A_bad_option_is_an_error_at_the_directive(string directive, string message)
    {
        var e = Assert.Throws<DockerfileParseException>(() => LintRuleTests.Check(directive + "\n" + Body));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_dockerfile_that_does_not_parse_is_the_parser_error()
    {
        var e = Assert.Throws<DockerfileParseException>(() => LintRuleTests.Check("FROM alpine:3.20\nFROBNICATE\n"));
        Assert.Equal("Dockerfile:2: unknown instruction: FROBNICATE", e.Message);
    }

    [Fact]
    public void The_report_prints_as_buildkit_does_with_the_source_lines_and_a_fix()
    {
        var report = LintRuleTests.Check("# syntax=docker/dockerfile:1\n# check=error=true\n\nFROM alpine:3.20\nUSER app\nCMD echo \"Hello, world!\"\n");
        var w = new StringWriter();
        LintPrinter.PrintWarnings(report, w);
        Assert.Equal("""
            Check complete, 1 warning has been found!

            WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/
            JSON arguments recommended for CMD to prevent unintended behavior related to OS signals
            Dockerfile:6
            --------------------
               4 |     FROM alpine:3.20
               5 |     USER app
               6 | >>> CMD echo "Hello, world!"
               7 |     
            --------------------
            Fix: Use the exec form, e.g. CMD ["executable", "arg"], so the process is PID 1 and receives signals; or set SHELL explicitly.

            """.ReplaceLineEndings("\n"), w.ToString());
        var e = new StringWriter();
        LintPrinter.PrintError(report, e);
        Assert.Equal("""
            ERROR: lint violation found for rules: JSONArgsRecommended
            Dockerfile:2
            --------------------
               1 |     # syntax=docker/dockerfile:1
               2 | >>> # check=error=true
               3 |     
               4 |     FROM alpine:3.20
            --------------------

            """.ReplaceLineEndings("\n"), e.ToString());
    }

    [Fact]
    public void No_finding_prints_buildx_line_and_exits_zero()
    {
        var report = LintRuleTests.Check("FROM alpine:3.20\nUSER app\nCMD [\"/app\"]\n");
        var w = new StringWriter();
        LintPrinter.PrintWarnings(report, w);
        Assert.Equal("Check complete, no warnings found.\n", w.ToString());
        Assert.Equal(0, report.ExitCode);
    }

    [Fact]
    public void A_finding_over_several_lines_marks_them_all()
    {
        var w = new StringWriter();
        LintPrinter.Source(w, "Dockerfile", "FROM a\nRUN x\nRUN y\nRUN z\nUSER u\nCMD q\n", 2, 4);
        Assert.Equal("Dockerfile:2\n--------------------\n   1 |     FROM a\n   2 | >>> RUN x\n   3 | >>> RUN y\n   4 | >>> RUN z\n   5 |     USER u\n--------------------\n", w.ToString());
    }
}
