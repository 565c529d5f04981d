namespace Quai.Templates.Exec;

/// <summary>A template function: evaluated arguments in, a value out; throw <see cref="FunctionException"/> for
/// Go's <c>error calling NAME: …</c>, <see cref="ArgumentTypeException"/> for a wrong argument type.</summary>
public delegate object? TemplateFunction(object?[] args);

/// <summary>A function's declared arity: Go checks it before calling (<c>wrong number of args for NAME: want 2 got 1</c>).</summary>
public sealed record FunctionDef(TemplateFunction Call, int MinArgs, int MaxArgs = -1)
{
    /// <summary>Go parameter types checked before the call, with the error at the argument (<c>string</c>, <c>int</c>,
    /// <c>[]string</c>; null or a missing entry is <c>interface {}</c>; the last one repeats for variadic functions).</summary>
    public string[]? Params { get; init; }
}

/// <summary>An argument of the wrong Go type: <c>wrong type for value; expected string; got int</c>.</summary>
public sealed class ArgumentTypeException(string message) : Exception(message);
