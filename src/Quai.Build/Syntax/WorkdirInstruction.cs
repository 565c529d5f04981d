namespace Quai.Build.Syntax;

/// <summary><c>WORKDIR path</c>: the working directory of later instructions and of the image.</summary>
public sealed record WorkdirInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "WORKDIR";

    /// <summary>The path, raw: the whole rest of the line.</summary>
    public required string Path { get; init; }
}
