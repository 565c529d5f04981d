using Quai.Templates.Values;

namespace Quai.Templates.Formatting;

/// <summary>Go's names for the types of template values, as errors and <c>%T</c> print them.</summary>
public static class GoTypes
{
    public static string Name(object? v) => v switch
    {
        null => "<nil>",
        string => "string",
        long => "int",
        int => "int",
        ulong => "uint",
        double => "float64",
        bool => "bool",
        GoStruct s => s.TypeName,
        GoMap m => m.TypeName,
        GoSlice s => s.TypeName,
        GoTime => "time.Time",
        Missing => "<nil>",
        NilPointer p => p.TypeName,
        JsonNumber => "json.Number",
        _ => v.GetType().Name,
    };
}
