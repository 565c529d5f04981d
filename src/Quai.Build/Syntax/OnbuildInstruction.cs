namespace Quai.Build.Syntax;

/// <summary><c>ONBUILD instruction</c>: a trigger stored in the image, run by builds that use it as a base.</summary>
public sealed record OnbuildInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "ONBUILD";

    /// <summary>The trigger, parsed (never ONBUILD, FROM or MAINTAINER); it has the same lines as the ONBUILD.</summary>
    public required Instruction Trigger { get; init; }

    /// <summary>The trigger's text as the image config stores it (heredoc bodies appended).</summary>
    public required string Expression { get; init; }
}
