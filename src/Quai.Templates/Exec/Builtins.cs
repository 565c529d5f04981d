using System.Text;
using Quai.Templates.Formatting;
using Quai.Templates.Values;

namespace Quai.Templates.Exec;

/// <summary>Go's predefined template functions.</summary>
public static class Builtins
{
    public static IReadOnlyDictionary<string, FunctionDef> All { get; } = new Dictionary<string, FunctionDef>(StringComparer.Ordinal)
    {
        ["and"] = new(a => a[^1], 1),
        ["or"] = new(a => a[^1], 1),
        ["not"] = new(a => !Truth.IsTrue(a[0]), 1, 1),
        ["len"] = new(a => Len(a[0]), 1, 1),
        ["index"] = new(a => Index(a[0], a[1..]), 1),
        ["slice"] = new(a => Slice(a[0], a[1..]), 1),
        ["print"] = new(a => GoFmt.Sprint(a.Select(Args.Any).ToList()), 0),
        ["println"] = new(a => GoFmt.Sprintln(a.Select(Args.Any).ToList()), 0),
        ["printf"] = new(a => GoFmt.Sprintf(Args.String(a[0]), a[1..].Select(Args.Any).ToList()), 1) { Params = ["string", null!] },
        ["html"] = new(a => Html(Stringify(a)), 0),
        ["js"] = new(a => Js(Stringify(a)), 0),
        ["urlquery"] = new(a => UrlQuery(Stringify(a)), 0),
        ["eq"] = new(a => Compare.Eq(a), 1),
        ["ne"] = new(a => !Compare.Eq(a), 2, 2),
        ["lt"] = new(a => Compare.Lt(a[0], a[1]), 2, 2),
        ["le"] = new(a => Compare.Le(a[0], a[1]), 2, 2),
        ["gt"] = new(a => !Compare.Le(a[0], a[1]), 2, 2),
        ["ge"] = new(a => !Compare.Lt(a[0], a[1]), 2, 2),
        ["call"] = new(a => throw new FunctionException("call of non-function"), 1),
    };

    private static long Len(object? v) => v switch
    {
        string s => Encoding.UTF8.GetByteCount(s),
        GoSlice s => s.Items.Count,
        GoMap m => m.Entries.Count,
        null or Missing => throw new FunctionException("len of nil pointer"),
        _ => throw new FunctionException($"len of type {GoTypes.Name(v)}"),
    };

    private static object? Index(object? item, object?[] indexes)
    {
        if (item is null or Missing) throw new FunctionException("index of untyped nil");
        foreach (var ix in indexes)
        {
            switch (item)
            {
                case GoSlice s:
                    var i = IndexArg(ix, s.Items.Count, "slice/array");
                    if (i < 0 || i >= s.Items.Count) throw new FunctionException($"index out of range: {i}");
                    item = s.Items[(int)i];
                    break;
                case string str:
                    var bytes = Encoding.UTF8.GetBytes(str);
                    var j = IndexArg(ix, bytes.Length, "string");
                    if (j < 0 || j >= bytes.Length) throw new FunctionException($"index out of range: {j}");
                    item = (long)bytes[j];
                    break;
                case GoMap m:
                    if (ix is not string key)
                    {
                        if (ix is null or Missing) throw new FunctionException("value is nil; should be of type string");
                        throw new FunctionException($"value has type {GoTypes.Name(ix)}; should be string");
                    }
                    item = m.Entries.TryGetValue(key, out var v) ? v : m.ElementZero;
                    break;
                case null or Missing:
                    throw new FunctionException("index of untyped nil");
                default:
                    throw new FunctionException($"can't index item of type {GoTypes.Name(item)}");
            }
        }
        return item;
    }

    private static long IndexArg(object? ix, int cap, string what) => ix switch
    {
        long l => l,
        int i => i,
        ulong u => (long)u,
        null or Missing => throw new FunctionException("cannot index slice/array with nil"),
        _ => throw new FunctionException($"cannot index slice/array with type {GoTypes.Name(ix)}"),
    };

    private static object? Slice(object? item, object?[] idx)
    {
        if (item is null or Missing) throw new FunctionException("slice of untyped nil");
        if (idx.Length > 3) throw new FunctionException($"too many slice indexes: {idx.Length}");
        int len = item switch
        {
            string s => Encoding.UTF8.GetByteCount(s),
            GoSlice sl => sl.Items.Count,
            _ => throw new FunctionException($"can't slice item of type {GoTypes.Name(item)}"),
        };
        if (item is string && idx.Length == 3) throw new FunctionException("cannot 3-index slice a string");
        var ix = new long[] { 0, len };
        for (int i = 0; i < idx.Length && i < 2; i++)
        {
            var v = IndexArg(idx[i], len, "slice/array");
            if (v < 0 || v > len) throw new FunctionException($"index out of range: {v}");
            ix[i] = v;
        }
        if (ix[0] > ix[1]) throw new FunctionException($"invalid slice index: {ix[0]} > {ix[1]}");
        if (item is string str)
        {
            var bytes = Encoding.UTF8.GetBytes(str);
            return Encoding.UTF8.GetString(bytes, (int)ix[0], (int)(ix[1] - ix[0]));
        }
        var slice = (GoSlice)item;
        return new GoSlice(slice.Items.Skip((int)ix[0]).Take((int)(ix[1] - ix[0])), slice.TypeName);
    }

    /// <summary>Go's evalArgs for html/js/urlquery: one string argument as is, else <c>fmt.Sprint</c>.</summary>
    private static string Stringify(object?[] a) =>
        a.Length == 1 && a[0] is string s ? s : GoFmt.Sprint(a.Select(Args.Any).ToList());

    public static string Html(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "&#34;", '\'' => "&#39;", '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '\0' => "\uFFFD",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    public static string Js(string s)
    {
        var sb = new StringBuilder();
        foreach (var r in s.EnumerateRunes())
        {
            var c = r.Value;
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\'': sb.Append(@"\'"); break;
                case '"': sb.Append("\\\""); break;
                case '<': sb.Append(@"\u003C"); break;
                case '>': sb.Append(@"\u003E"); break;
                case '&': sb.Append(@"\u0026"); break;
                case '=': sb.Append(@"\u003D"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c < ' ') sb.Append(@"\u").Append(c.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(r.ToString());
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary><c>url.QueryEscape</c>.</summary>
    public static string UrlQuery(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else if (c == ' ') sb.Append('+');
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
