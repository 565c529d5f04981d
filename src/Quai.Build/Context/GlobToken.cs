namespace Quai.Build.Context;

/// <summary>What a <see cref="GlobToken"/> is.</summary>
internal enum GlobTokenKind : byte { Literal, Star, Question, Class }

/// <summary>One term of a shell pattern as Go's filepath.Match reads it. <see cref="Escaped"/> marks a
/// literal written <c>\c</c>, <see cref="Bracket"/> a literal ']' outside a class: Docker's ignore
/// matcher treats both as regexp syntax, which changes how it matches the whole pattern.</summary>
internal readonly record struct GlobToken(GlobTokenKind Kind, int Rune = 0, CharClass? Class = null, bool Escaped = false, bool Bracket = false);
