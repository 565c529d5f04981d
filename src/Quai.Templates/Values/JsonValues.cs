using System.Text.Json;

namespace Quai.Templates.Values;

/// <summary>What a typed view of a JSON document needs to know that JSON does not say: which objects are Go maps
/// (Labels, Options, Networks…; the rest are structs), which nulls are nil slices or maps, the Go name of a field
/// whose JSON name differs (<c>Id</c> is the field <c>ID</c>), and the struct type names errors print.</summary>
public sealed class JsonShape
{
    /// <summary>Paths (dotted JSON names from the root, e.g. <c>Config.Labels</c>) of objects that are maps.</summary>
    public HashSet<string> Maps { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Paths of <c>map[string]string</c> maps (a missing <c>index</c> key gives "" instead of nil).</summary>
    public HashSet<string> StringMaps { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Paths of slice fields: a JSON null there is a nil slice (<c>[]</c>), not a nil pointer.</summary>
    public HashSet<string> Slices { get; init; } = new(StringComparer.Ordinal);
    /// <summary>JSON name → Go field name where they differ (applies at every level).</summary>
    public Dictionary<string, string> GoNames { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Path → Go type name of a struct (errors: <c>can't evaluate field X in type T</c>); the root is "".</summary>
    public Dictionary<string, string> Types { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>Turns JSON into template values: typed (Go structs and maps as the shape says) or raw (every object a
/// <c>map[string]interface {}</c>, as docker's inspect fallback decodes it).</summary>
public static class JsonValues
{
    public static object? Typed(JsonElement e, JsonShape shape) => Convert(e, shape, "");

    public static object? Raw(JsonElement e) => Convert(e, null, "");

    private static object? Convert(JsonElement e, JsonShape? shape, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String: return e.GetString();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                if (shape is not null && shape.Slices.Contains(path)) return new GoSlice([], "[]string", isNil: true);
                if (shape is not null && shape.Maps.Contains(path)) return new GoMap(shape.StringMaps.Contains(path) ? "map[string]string" : "map[string]interface {}", shape.StringMaps.Contains(path) ? "" : null, isNil: true);
                if (shape is not null && shape.Types.TryGetValue(path, out var nilType) && nilType.StartsWith('*')) return new NilPointer(nilType);
                return null;
            case JsonValueKind.Number:
                if (shape is null) return new JsonNumber(e.GetRawText());
                if (e.TryGetInt64(out var l)) return l;
                if (e.TryGetUInt64(out var u)) return u;
                return e.GetDouble();
            case JsonValueKind.Array:
                var items = e.EnumerateArray().Select(x => Convert(x, shape, path + "[]")).ToList();
                var typeName = shape is null ? "[]interface {}" : items.All(i => i is string) ? "[]string" : "[]interface {}";
                return new GoSlice(items, typeName);
            default:
                if (shape is null || shape.Maps.Contains(path))
                {
                    bool strings = shape?.StringMaps.Contains(path) == true;
                    var m = new GoMap(strings ? "map[string]string" : "map[string]interface {}", strings ? "" : null);
                    foreach (var p in e.EnumerateObject()) m.Entries[p.Name] = Convert(p.Value, shape, Join(path, "*"));
                    return m;
                }
                var s = new GoStruct(shape.Types.TryGetValue(path, out var t) ? t : "struct");
                foreach (var p in e.EnumerateObject())
                {
                    var goName = shape.GoNames.TryGetValue(p.Name, out var g) ? g : p.Name;
                    s.Add(goName, Convert(p.Value, shape, Join(path, p.Name)), p.Name);
                }
                return s;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
