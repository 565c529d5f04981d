namespace Quai.Build.Syntax;

/// <summary><c>USER user[:group]</c>: the user of later instructions and of the image.</summary>
public sealed record UserInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "USER";

    /// <summary>The user, raw: the whole rest of the line.</summary>
    public required string User { get; init; }
}
