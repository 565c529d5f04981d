namespace Quai.Build.Lint;

/// <summary>One violation: the rule, the message for this place (BuildKit's "detail") and the lines.</summary>
/// <param name="Rule">The rule violated.</param>
/// <param name="Message">What is wrong here, e.g. <c>Stage name 'Build' should be lowercase</c>.</param>
/// <param name="StartLine">The first line of the Dockerfile concerned (1-based); 0 when the finding is about no line.</param>
/// <param name="EndLine">The last line concerned.</param>
public sealed record LintFinding(LintRule Rule, string Message, int StartLine, int EndLine)
{
    /// <summary><c>Dockerfile:3</c> or <c>Dockerfile:3-5</c>.</summary>
    public string Location(string file) => StartLine == 0 ? file : StartLine == EndLine ? $"{file}:{StartLine}" : $"{file}:{StartLine}-{EndLine}";
}

/// <summary>What <see cref="DockerfileLinter.Check"/> found.</summary>
/// <param name="FileName">The Dockerfile's name as findings cite it.</param>
/// <param name="Text">The Dockerfile's text (for the source lines of each finding).</param>
/// <param name="Findings">The violations of the rules that ran, in line order.</param>
/// <param name="Options">The check options in force (directive or BUILDKIT_DOCKERFILE_CHECK).</param>
/// <param name="OptionsLine">The line of the <c># check=</c> directive; 0 when the options came from the build arg or nowhere.</param>
public sealed record LintReport(string FileName, string Text, IReadOnlyList<LintFinding> Findings, CheckOptions Options, int OptionsLine)
{
    /// <summary>The error BuildKit raises with <c>error=true</c>: <c>lint violation found for rules: A, B</c>; null otherwise.</summary>
    public string? Error => Options.Error && Findings.Count > 0
        ? "lint violation found for rules: " + string.Join(", ", Findings.Select(f => f.Rule.Name).Distinct().Order(StringComparer.Ordinal))
        : null;

    /// <summary>The exit code of <c>build --check</c>: 1 when anything was found (as buildx), 0 otherwise.</summary>
    public int ExitCode => Findings.Count > 0 ? 1 : 0;
}
