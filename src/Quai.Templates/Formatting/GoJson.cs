using System.Globalization;
using System.Text;
using Quai.Templates.Values;

namespace Quai.Templates.Formatting;

/// <summary>Go's encoding/json for template values: what Docker's <c>{{json .}}</c> prints (HTML escaping off, as
/// docker-cli sets it) and what the daemon's API sends (HTML escaping on: <c>&lt;</c> as <c>\u003c</c>).</summary>
public static class GoJson
{
    public static string Encode(object? v, bool escapeHtml)
    {
        var sb = new StringBuilder();
        Write(sb, v, escapeHtml);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? v, bool html)
    {
        switch (v)
        {
            case null or Missing or NilPointer: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long or int or ulong: sb.Append(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(GoFloat.Json(d)); break;
            case string s: WriteString(sb, s, html); break;
            case JsonNumber n: sb.Append(n.Text); break;
            case GoTime t: WriteString(sb, GoTimeFormat.Rfc3339Nano(t.Time), html); break;
            case GoSlice sl:
                if (sl.IsNil) { sb.Append("null"); break; }
                sb.Append('[');
                for (int i = 0; i < sl.Items.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, sl.Items[i], html);
                }
                sb.Append(']');
                break;
            case GoMap m:
                if (m.IsNil) { sb.Append("null"); break; }
                sb.Append('{');
                bool first = true;
                foreach (var (k, val) in m.Entries)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, k, html);
                    sb.Append(':');
                    Write(sb, val, html);
                }
                sb.Append('}');
                break;
            case GoStruct st:
                if (st.JsonView is { } view) { Write(sb, view(), html); break; }
                sb.Append('{');
                bool any = false;
                foreach (var f in st.Fields)
                {
                    if (f.OmitEmpty && IsEmpty(f.Value)) continue;
                    if (any) sb.Append(',');
                    any = true;
                    WriteString(sb, f.JsonName, html);
                    sb.Append(':');
                    Write(sb, f.Value, html);
                }
                sb.Append('}');
                break;
            default: WriteString(sb, v.ToString() ?? "", html); break;
        }
    }

    private static bool IsEmpty(object? v) => v switch
    {
        null or Missing or NilPointer => true,
        bool b => !b,
        long l => l == 0,
        int i => i == 0,
        ulong u => u == 0,
        double d => d == 0,
        string s => s.Length == 0,
        GoSlice s => s.Items.Count == 0,
        GoMap m => m.Entries.Count == 0,
        _ => false,
    };

    /// <summary>A JSON string as Go writes it: <c>\"</c>, <c>\\</c>, <c>\n \r \t \b \f</c>, other controls as <c>\u00XX</c>,
    /// U+2028/U+2029 escaped, <c>&lt; &gt; &amp;</c> as <c>\u003c \u003e \u0026</c> when <paramref name="html"/>,
    /// everything else as UTF-8.</summary>
    public static void WriteString(StringBuilder sb, string s, bool html)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                case '<' or '>' or '&' when html:
                    sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
