namespace Quai.Build.Syntax;

/// <summary>
/// A parsed Dockerfile, as <see cref="DockerfileParser.Parse"/> returns it: the parser directives,
/// the ARG instructions before the first FROM (global build arguments) and the build stages in
/// order. Arguments are kept as written (quotes, escapes and <c>$VAR</c> references in); the
/// builder expands them with <see cref="ShellWordExpander"/> using <see cref="EscapeToken"/>.
/// </summary>
/// <param name="Directives">The parser directives found at the top of the file, in order.</param>
/// <param name="EscapeToken">The escape character: \ by default, ` with <c># escape=`</c>.</param>
/// <param name="GlobalArgs">The ARG instructions before the first FROM.</param>
/// <param name="Stages">The build stages, at least one.</param>
public sealed record Dockerfile(
    IReadOnlyList<ParserDirective> Directives,
    char EscapeToken,
    IReadOnlyList<ArgInstruction> GlobalArgs,
    IReadOnlyList<Stage> Stages)
{
    /// <summary>The value of the <c># syntax=</c> directive, if any.</summary>
    public string? Syntax => Directive("syntax");

    /// <summary>The value of the <c># check=</c> directive (e.g. <c>skip=all;error=true</c>), if any.</summary>
    public string? Check => Directive("check");

    private string? Directive(string name) => Directives.FirstOrDefault(d => d.Name == name)?.Value;
}
