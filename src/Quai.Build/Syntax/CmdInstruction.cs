namespace Quai.Build.Syntax;

/// <summary><c>CMD</c>: the image's default command (or ENTRYPOINT arguments), shell or exec form.</summary>
public sealed record CmdInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "CMD";

    /// <summary>Exec form: the array's strings; shell form: one string, the command text. Empty for a bare CMD.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>True for shell form (run through the SHELL), false for exec form.</summary>
    public required bool IsShellForm { get; init; }
}
