namespace Quai.Build.Syntax;

/// <summary><c>ARG name[=default] …</c>: build arguments (global before the first FROM, else of the stage).</summary>
public sealed record ArgInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "ARG";

    /// <summary>The arguments in order.</summary>
    public required IReadOnlyList<ArgDefinition> Args { get; init; }
}
