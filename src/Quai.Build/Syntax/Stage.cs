namespace Quai.Build.Syntax;

/// <summary>A build stage: a FROM instruction and the instructions after it up to the next FROM.</summary>
/// <param name="Index">The 0-based position of the stage in the file (what <c>COPY --from=0</c> names).</param>
/// <param name="Name">The name from <c>FROM image AS name</c>, in lower case; null when unnamed.</param>
/// <param name="From">The FROM instruction that starts the stage.</param>
/// <param name="Instructions">The stage's instructions in order, FROM excluded.</param>
public sealed record Stage(int Index, string? Name, FromInstruction From, IReadOnlyList<Instruction> Instructions);
