namespace Quai.Build.Syntax;

/// <summary>One <c>key=value</c> of ENV or LABEL, both raw (quotes and escapes in, unexpanded).</summary>
/// <param name="Key">The key as written.</param>
/// <param name="Value">The value as written: <c>"v 2"</c> keeps its quotes until expansion removes them.</param>
/// <param name="LegacySyntax">True for the old <c>ENV key value…</c> form (the value is the rest of the line).</param>
public sealed record KeyValue(string Key, string Value, bool LegacySyntax = false);
