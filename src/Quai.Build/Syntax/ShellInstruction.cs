namespace Quai.Build.Syntax;

/// <summary><c>SHELL ["executable", "parameters"]</c>: the shell of later shell-form instructions.</summary>
public sealed record ShellInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "SHELL";

    /// <summary>The JSON array's strings, at least one.</summary>
    public required IReadOnlyList<string> Shell { get; init; }
}
