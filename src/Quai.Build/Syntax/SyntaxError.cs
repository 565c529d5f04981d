namespace Quai.Build.Syntax;

/// <summary>
/// An error found while lexing or parsing, worded as BuildKit words it. The lexer knows the line;
/// for instruction errors <see cref="DockerfileParser"/> adds the instruction's start line.
/// </summary>
internal sealed class SyntaxError(string message, int line = 0) : Exception(message)
{
    /// <summary>The 1-based line, or 0 when the caller supplies it.</summary>
    public int Line { get; } = line;
}
