namespace Quai.Build.Syntax;

/// <summary><c>FROM [--platform=p] image [AS name]</c>: the base of a build stage.</summary>
public sealed record FromInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "FROM";

    /// <summary>The base image or stage, as written (may reference global ARGs).</summary>
    public required string Image { get; init; }

    /// <summary>The --platform value, as written; null when not given.</summary>
    public string? Platform { get; init; }

    /// <summary>The stage name from AS, in lower case; null when not given.</summary>
    public string? StageName { get; init; }
}
