namespace Quai.Build.Syntax;

/// <summary>One <c>name[=default]</c> of an ARG instruction.</summary>
/// <param name="Name">The argument's name as written.</param>
/// <param name="Default">The default value, raw (quotes in, unexpanded); null without <c>=</c>.</param>
public sealed record ArgDefinition(string Name, string? Default = null);
