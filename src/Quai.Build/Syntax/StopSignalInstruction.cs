namespace Quai.Build.Syntax;

/// <summary><c>STOPSIGNAL signal</c>: the signal that stops the image's containers.</summary>
public sealed record StopSignalInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "STOPSIGNAL";

    /// <summary>The signal, raw (SIGTERM, 9, $SIG…).</summary>
    public required string Signal { get; init; }
}
