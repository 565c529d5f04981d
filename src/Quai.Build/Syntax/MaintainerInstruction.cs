namespace Quai.Build.Syntax;

/// <summary><c>MAINTAINER name</c> (deprecated): the image's author.</summary>
public sealed record MaintainerInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "MAINTAINER";

    /// <summary>The rest of the line.</summary>
    public required string Maintainer { get; init; }
}
