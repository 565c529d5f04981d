namespace Quai.Build.Syntax;

/// <summary>
/// <c>COPY [--from=…] [--chown=…] [--chmod=…] [--link] [--parents] [--exclude=…] src… dest</c>
/// (or the JSON array form for paths with spaces; sources may be heredocs).
/// </summary>
public sealed record CopyInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "COPY";

    /// <summary>The source paths, raw.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    /// <summary>The heredoc sources (inline files), in order.</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; init; } = [];

    /// <summary>The destination, raw.</summary>
    public required string Destination { get; init; }

    /// <summary>--from: a stage name or index, an image or a named context; null when not given.</summary>
    public string? From { get; init; }

    /// <summary>--chown, raw; null when not given.</summary>
    public string? Chown { get; init; }

    /// <summary>--chmod, raw; null when not given.</summary>
    public string? Chmod { get; init; }

    /// <summary>--link.</summary>
    public bool Link { get; init; }

    /// <summary>--parents.</summary>
    public bool Parents { get; init; }

    /// <summary>The --exclude patterns, in order.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];
}
