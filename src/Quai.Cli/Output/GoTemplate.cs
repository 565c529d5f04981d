using System.Text;
using System.Text.Json;

namespace Quai.Cli.Output;

/// <summary>The subset of Go templates that <c>--format</c> needs: <c>{{.Field}}</c>, <c>{{.A.B}}</c>,
/// <c>{{json .}}</c>, <c>{{json .Field}}</c>, and the <c>table</c> prefix; <c>\t</c> and <c>\n</c> are unescaped
/// as the Docker CLI does. Values come from a JSON object with Docker's field names.</summary>
public sealed class GoTemplate
{
    private readonly List<(bool Action, string Text)> _parts = [];
    public bool IsTable { get; }

    public GoTemplate(string format)
    {
        format = format.Replace("\\t", "\t").Replace("\\n", "\n");
        if (format.StartsWith("table", StringComparison.Ordinal))
        {
            IsTable = true;
            format = format[5..].TrimStart();
        }
        int pos = 0;
        while (pos < format.Length)
        {
            int open = format.IndexOf("{{", pos, StringComparison.Ordinal);
            if (open < 0) { _parts.Add((false, format[pos..])); break; }
            if (open > pos) _parts.Add((false, format[pos..open]));
            int close = format.IndexOf("}}", open, StringComparison.Ordinal);
            if (close < 0) throw new FormatException($"template: unclosed action in \"{format}\"");
            _parts.Add((true, format[(open + 2)..close].Trim().Trim('-').Trim()));
            pos = close + 2;
        }
    }

    /// <summary>The header for table output: each action's field name, mapped through <paramref name="headers"/>.</summary>
    public string Header(IReadOnlyDictionary<string, string> headers)
    {
        var sb = new StringBuilder();
        foreach (var (action, text) in _parts)
        {
            if (!action) { sb.Append(text); continue; }
            var field = text.StartsWith("json ", StringComparison.Ordinal) ? text[5..].Trim() : text;
            field = field.TrimStart('.');
            sb.Append(headers.TryGetValue(field, out var h) ? h : field.ToUpperInvariant());
        }
        return sb.ToString();
    }

    public string Render(JsonElement data)
    {
        var sb = new StringBuilder();
        foreach (var (action, text) in _parts)
        {
            if (!action) { sb.Append(text); continue; }
            if (text.StartsWith("json ", StringComparison.Ordinal)) sb.Append(Lookup(data, text[5..].Trim()).GetRawText());
            else if (text.StartsWith('.')) sb.Append(Print(Lookup(data, text)));
            else throw new FormatException($"template: unsupported action \"{{{{{text}}}}}\" (supported: .Field, json .Field)");
        }
        return sb.ToString();
    }

    private static JsonElement Lookup(JsonElement data, string path)
    {
        if (path == ".") return data;
        if (!path.StartsWith('.')) throw new FormatException($"template: unsupported expression \"{path}\"");
        var cur = data;
        foreach (var name in path[1..].Split('.'))
        {
            if (cur.ValueKind != JsonValueKind.Object || !cur.TryGetProperty(name, out var next))
                throw new FormatException($"template: can't evaluate field {name}");
            cur = next;
        }
        return cur;
    }

    private static string Print(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => "<no value>",
        JsonValueKind.Array => "[" + string.Join(' ', e.EnumerateArray().Select(Print)) + "]",
        _ => "map[" + string.Join(' ', e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Print(p.Value))) + "]",
    };
}
