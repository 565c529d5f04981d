namespace Quai.Build.Syntax;

/// <summary>
/// <c>RUN [--mount=…] [--network=…] [--security=…] [--device=…] command</c>, in shell form (a
/// string for the stage's SHELL, possibly with heredocs) or exec form (a JSON array).
/// </summary>
public sealed record RunInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "RUN";

    /// <summary>Exec form: the array's strings; shell form: one string, the command text as written.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>True for shell form (run through the SHELL), false for exec form.</summary>
    public required bool IsShellForm { get; init; }

    /// <summary>The heredocs the command line opens, in order (shell form only).</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; init; } = [];

    /// <summary>The --mount flags, in order.</summary>
    public IReadOnlyList<RunMount> Mounts { get; init; } = [];

    /// <summary>The --network flag (default when not given).</summary>
    public RunNetwork Network { get; init; }

    /// <summary>The --security flag (sandbox when not given).</summary>
    public RunSecurity Security { get; init; }

    /// <summary>The --device flags, in order.</summary>
    public IReadOnlyList<RunDevice> Devices { get; init; } = [];
}
