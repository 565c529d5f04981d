namespace Quai.Build.Syntax;

/// <summary><c>ENV k=v k2="v 2"</c> (or the legacy <c>ENV k v w</c>): environment variables of the stage.</summary>
public sealed record EnvInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "ENV";

    /// <summary>The variables in order, raw.</summary>
    public required IReadOnlyList<KeyValue> Variables { get; init; }
}
