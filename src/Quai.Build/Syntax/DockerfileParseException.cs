namespace Quai.Build.Syntax;

/// <summary>
/// A Dockerfile that cannot be parsed (or, thrown by the builder, an instruction that cannot be
/// evaluated). The message is <c>{File}:{Line}: {Detail}</c>, e.g.
/// <c>Dockerfile:3: unknown instruction: FROBNICATE</c>, the detail worded as BuildKit's.
/// </summary>
public sealed class DockerfileParseException : Exception
{
    /// <summary>An error at a line of a file.</summary>
    public DockerfileParseException(string file, int line, string detail)
        : base($"{file}:{line}: {detail}")
    {
        File = file;
        Line = line;
        Detail = detail;
    }

    /// <summary>The file name as given to the parser.</summary>
    public string File { get; }

    /// <summary>The 1-based line (an instruction's first line).</summary>
    public int Line { get; }

    /// <summary>The error without the file and line.</summary>
    public string Detail { get; }
}
