namespace Quai.Build.Syntax;

/// <summary>
/// A parser directive: a <c># key=value</c> comment before any instruction, blank line or other
/// comment. Only <c>syntax</c>, <c>escape</c> and <c>check</c> are directives (keys in any case).
/// </summary>
/// <param name="Name">The key in lower case: syntax, escape or check.</param>
/// <param name="Value">The value, without surrounding blanks.</param>
/// <param name="Line">The 1-based line of the directive.</param>
public sealed record ParserDirective(string Name, string Value, int Line);
