namespace Quai.Build.Syntax;

/// <summary><c>VOLUME ["/a", "/b"]</c> or <c>VOLUME /a /b</c>: the image's volumes.</summary>
public sealed record VolumeInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "VOLUME";

    /// <summary>The paths, raw, none empty.</summary>
    public required IReadOnlyList<string> Volumes { get; init; }
}
