using Quai.Templates.Values;

namespace Quai.Templates.Exec;

/// <summary>Go's template truth: false, 0, nil, and empty strings, slices and maps are false; structs are true.</summary>
public static class Truth
{
    public static bool IsTrue(object? v) => v switch
    {
        null or Missing or NilPointer => false,
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        ulong u => u != 0,
        double d => d != 0,
        string s => s.Length > 0,
        JsonNumber n => n.Text.Length > 0,
        GoSlice s => s.Items.Count > 0,
        GoMap m => m.Entries.Count > 0,
        _ => true,
    };
}
