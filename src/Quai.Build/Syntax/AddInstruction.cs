namespace Quai.Build.Syntax;

/// <summary>
/// <c>ADD [--chown=…] [--chmod=…] [--link] [--checksum=…] [--keep-git-dir] [--unpack] [--exclude=…] src… dest</c>:
/// COPY that also fetches URLs and git repositories and unpacks local archives.
/// </summary>
public sealed record AddInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "ADD";

    /// <summary>The source paths or URLs, raw.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    /// <summary>The heredoc sources (inline files), in order.</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; init; } = [];

    /// <summary>The destination, raw.</summary>
    public required string Destination { get; init; }

    /// <summary>--chown, raw; null when not given.</summary>
    public string? Chown { get; init; }

    /// <summary>--chmod, raw; null when not given.</summary>
    public string? Chmod { get; init; }

    /// <summary>--link.</summary>
    public bool Link { get; init; }

    /// <summary>--checksum (a digest for a URL source, or a git commit), raw; null when not given.</summary>
    public string? Checksum { get; init; }

    /// <summary>--keep-git-dir; null when not given.</summary>
    public bool? KeepGitDir { get; init; }

    /// <summary>--unpack; null when not given (then local archives unpack, remote ones do not).</summary>
    public bool? Unpack { get; init; }

    /// <summary>The --exclude patterns, in order.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];
}
