namespace Quai.Build.Syntax;

/// <summary><c>ENTRYPOINT</c>: the image's entrypoint, shell or exec form.</summary>
public sealed record EntrypointInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "ENTRYPOINT";

    /// <summary>Exec form: the array's strings; shell form: one string, the command text. Empty for <c>ENTRYPOINT []</c>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>True for shell form (run through the SHELL), false for exec form.</summary>
    public required bool IsShellForm { get; init; }
}
