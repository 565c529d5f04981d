namespace Quai.Templates.Exec;

/// <summary>A template that fails to parse or execute. <see cref="Exception.Message"/> is Go's text, e.g.
/// <c>template: :1:2: executing "" at &lt;.Nope&gt;: can't evaluate field Nope in type types.ContainerJSON</c>.</summary>
public sealed class TemplateException(string message, bool parse) : Exception(message)
{
    /// <summary>True when the template did not parse (docker exits 64 for inspect); false for an execution error.</summary>
    public bool IsParseError { get; } = parse;
}

/// <summary>An error a function returns; the executor reports it as <c>error calling NAME: MESSAGE</c>.</summary>
public sealed class FunctionException(string message) : Exception(message);
