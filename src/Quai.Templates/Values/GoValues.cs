namespace Quai.Templates.Values;

/// <summary>Go's invalid <c>reflect.Value</c>: what a missing map key or an unset field chain gives.
/// It prints as <c>&lt;no value&gt;</c>, is false, and becomes <c>nil</c> when passed to a function.</summary>
public sealed class Missing
{
    public static readonly Missing Value = new();
    private Missing() { }
    public override string ToString() => "<no value>";
}

/// <summary>A Go struct: ordered fields (printed <c>{a b}</c>; a field missing is an error) and methods that take
/// arguments (<c>{{.Label "key"}}</c>). <see cref="TypeName"/> is what Go's errors name (<c>types.ContainerJSON</c>).</summary>
public sealed class GoStruct
{
    private readonly List<GoField> _fields = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GoMethod> _methods = new(StringComparer.Ordinal);

    public GoStruct(string typeName) { TypeName = typeName; }

    public string TypeName { get; }
    public IReadOnlyList<GoField> Fields => _fields;

    /// <summary>How <c>json</c> encodes it: by default an object of the fields under their JSON names.</summary>
    public Func<object?>? JsonView { get; set; }

    public GoStruct Add(string name, object? value, string? jsonName = null, bool omitEmpty = false)
    {
        _index[name] = _fields.Count;
        _fields.Add(new GoField(name, jsonName ?? name, value, omitEmpty));
        return this;
    }

    public GoStruct Method(string name, GoMethod method)
    {
        _methods[name] = method;
        return this;
    }

    public bool TryGetField(string name, out object? value)
    {
        if (_index.TryGetValue(name, out var i)) { value = _fields[i].Value; return true; }
        value = null;
        return false;
    }

    public bool TryGetMethod(string name, out GoMethod method) => _methods.TryGetValue(name, out method!);
}

public sealed record GoField(string Name, string JsonName, object? Value, bool OmitEmpty);

/// <summary>A method of a Go value called from a template with arguments already evaluated.</summary>
public delegate object? GoMethod(object?[] args);

/// <summary>A Go map with string keys; Go prints and ranges over it in sorted key order. <see cref="ElementZero"/> is what
/// <c>index</c> gives for a missing key (<c>""</c> for <c>map[string]string</c>, nil for <c>map[string]interface{}</c>).</summary>
public sealed class GoMap
{
    public GoMap(string typeName = "map[string]interface {}", object? elementZero = null, bool isNil = false)
    {
        TypeName = typeName;
        ElementZero = elementZero;
        IsNil = isNil;
    }

    public SortedDictionary<string, object?> Entries { get; } = new(StringComparer.Ordinal);
    public string TypeName { get; }
    public object? ElementZero { get; }
    /// <summary>A nil map: prints <c>map[]</c>, encodes as <c>null</c>.</summary>
    public bool IsNil { get; }

    public GoMap Add(string key, object? value) { Entries[key] = value; return this; }
}

/// <summary>A Go slice (or array). A nil slice prints <c>[]</c> and encodes as <c>null</c>.</summary>
public sealed class GoSlice
{
    public GoSlice(IEnumerable<object?> items, string typeName = "[]interface {}", bool isNil = false)
    {
        Items = items.ToList();
        TypeName = typeName;
        IsNil = isNil;
    }

    public List<object?> Items { get; }
    public string TypeName { get; }
    public bool IsNil { get; }

    public static GoSlice Strings(IEnumerable<string>? items) =>
        items is null ? new GoSlice([], "[]string", isNil: true) : new GoSlice(items.Cast<object?>(), "[]string");
}

/// <summary>Go's <c>time.Time</c>: prints as <c>2006-01-02 15:04:05.999999999 -0700 MST</c>, encodes as RFC 3339.</summary>
public sealed record GoTime(DateTimeOffset Time)
{
    public override string ToString() => GoTimeFormat.String(Time);
}

/// <summary>A nil pointer of a known Go type (<c>*types.Health</c>): prints <c>&lt;nil&gt;</c>, is false, and a field of it
/// is Go's <c>nil pointer evaluating *types.Health.Status</c>.</summary>
public sealed record NilPointer(string TypeName)
{
    public override string ToString() => "<nil>";
}

/// <summary>encoding/json's <c>json.Number</c> (docker's inspect fallback decodes with UseNumber): a string kind that
/// prints its text, so <c>%d</c> is a bad verb and <c>eq .State.Pid 0</c> compares a string with an int.</summary>
public sealed record JsonNumber(string Text)
{
    public override string ToString() => Text;
}
