namespace Quai.Build.Syntax;

/// <summary>
/// What every Dockerfile instruction has: its keyword, where it is in the file and its text. The
/// concrete records (<see cref="RunInstruction"/>, <see cref="CopyInstruction"/>…) add their
/// typed arguments.
/// </summary>
public abstract record Instruction
{
    /// <summary>The instruction's keyword in upper case: RUN, COPY, ….</summary>
    public abstract string Keyword { get; }

    /// <summary>The 1-based line where the instruction starts.</summary>
    public required int StartLine { get; init; }

    /// <summary>The 1-based line where it ends (its last continuation line or heredoc terminator).</summary>
    public required int EndLine { get; init; }

    /// <summary>
    /// The instruction's text as BuildKit keeps it (what image history shows): the logical line,
    /// continuation lines joined and comments dropped, trimmed; heredoc bodies are not included.
    /// </summary>
    public required string Original { get; init; }
}
