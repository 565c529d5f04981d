namespace Quai.Build.Syntax;

/// <summary><c>LABEL k=v …</c>: image labels.</summary>
public sealed record LabelInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "LABEL";

    /// <summary>The labels in order, raw.</summary>
    public required IReadOnlyList<KeyValue> Labels { get; init; }
}
