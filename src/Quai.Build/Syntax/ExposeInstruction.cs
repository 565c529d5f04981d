namespace Quai.Build.Syntax;

/// <summary><c>EXPOSE port[/proto] …</c>: ports the image's containers listen on.</summary>
public sealed record ExposeInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "EXPOSE";

    /// <summary>The ports, raw, sorted (ordinal) as BuildKit sorts them.</summary>
    public required IReadOnlyList<string> Ports { get; init; }
}
