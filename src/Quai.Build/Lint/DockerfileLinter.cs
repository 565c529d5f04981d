using Quai.Build.Syntax;

namespace Quai.Build.Lint;

/// <summary>
/// <c>quai build --check</c>: parses the Dockerfile and runs BuildKit's build checks and Quai's
/// optimisation rules on it, without building. The <c># check=</c> directive (or the
/// <c>BUILDKIT_DOCKERFILE_CHECK</c> build arg, which replaces it) skips rules, enables experimental
/// ones and makes violations an error, as in BuildKit.
/// </summary>
public static class DockerfileLinter
{
    /// <summary>The build arg that replaces the <c># check=</c> directive.</summary>
    public const string CheckBuildArg = "BUILDKIT_DOCKERFILE_CHECK";

    /// <summary>
    /// The findings for <paramref name="request"/>; throws <see cref="DockerfileParseException"/> when
    /// the Dockerfile does not parse or its check options are malformed.
    /// </summary>
    public static LintReport Check(LintRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var dockerfile = DockerfileParser.Parse(request.DockerfileText, request.DockerfileName, allowDuplicateStageNames: true);
        var directive = dockerfile.Directives.FirstOrDefault(d => d.Name == "check");
        bool fromArg = request.BuildArgs.TryGetValue(CheckBuildArg, out var argValue);
        CheckOptions options;
        try { options = CheckOptions.Parse(fromArg ? argValue : directive?.Value); }
        catch (FormatException e)
        {
            throw new DockerfileParseException(request.DockerfileName, fromArg ? 1 : directive!.Line, e.Message);
        }

        var context = new LintContext(request, dockerfile, options);
        BuildKitChecks.Run(context);
        VariableChecks.Run(context);
        OptimisationChecks.Run(context);
        var findings = context.Findings.Select((f, i) => (f, i)).OrderBy(x => x.f.StartLine).ThenBy(x => x.i).Select(x => x.f).ToList();
        return new LintReport(request.DockerfileName, request.DockerfileText, findings, options, fromArg ? 0 : directive?.Line ?? 0);
    }
}
