using Quai.Templates.Formatting;
using Quai.Templates.Values;

namespace Quai.Templates.Exec;

/// <summary>Go's conversion of an argument to a function's parameter type, with its error texts.</summary>
public static class Args
{
    public static string String(object? v) => v switch
    {
        string s => s,
        Missing => throw new ArgumentTypeException("invalid value; expected string"),
        null => throw new ArgumentTypeException("invalid value; expected string"),
        _ => throw new ArgumentTypeException($"wrong type for value; expected string; got {GoTypes.Name(v)}"),
    };

    public static long Int(object? v) => v switch
    {
        long l => l,
        int i => i,
        Missing or null => throw new ArgumentTypeException("invalid value; expected int"),
        _ => throw new ArgumentTypeException($"wrong type for value; expected int; got {GoTypes.Name(v)}"),
    };

    public static List<string> Strings(object? v) => v switch
    {
        GoSlice s when s.TypeName == "[]string" => s.Items.Select(i => (string)i!).ToList(),
        Missing or null => throw new ArgumentTypeException("invalid value; expected []string"),
        _ => throw new ArgumentTypeException($"wrong type for value; expected []string; got {GoTypes.Name(v)}"),
    };

    /// <summary>Go's validateType for a parameter of type <paramref name="type"/>.</summary>
    public static void Check(string? type, object? v)
    {
        switch (type)
        {
            case "string": String(v); break;
            case "int": Int(v); break;
            case "[]string": Strings(v); break;
        }
    }

    /// <summary>What an <c>interface{}</c> parameter receives: an invalid value becomes nil.</summary>
    public static object? Any(object? v) => v is Missing ? null : v;
}
