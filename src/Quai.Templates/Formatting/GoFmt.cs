using System.Globalization;
using System.Text;
using Quai.Templates.Values;

namespace Quai.Templates.Formatting;

/// <summary>Go's fmt for template values: <c>Sprint</c>, <c>Sprintln</c>, <c>Sprintf</c> with the verbs scripts use
/// (<c>%v %+v %s %q %d %x %X %o %b %c %e %f %g %t %T %%</c>, flags <c>-+# 0</c>, width, precision, <c>*</c>).</summary>
public static class GoFmt
{
    private static bool IsString(object? v) => v is string;

    /// <summary><c>fmt.Sprint</c>: a space between operands when neither is a string.</summary>
    public static string Sprint(IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0 && !IsString(args[i]) && !IsString(args[i - 1])) sb.Append(' ');
            Format(sb, args[i], Spec.V);
        }
        return sb.ToString();
    }

    /// <summary><c>fmt.Sprintln</c>: spaces between all operands, a newline at the end.</summary>
    public static string Sprintln(IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            Format(sb, args[i], Spec.V);
        }
        return sb.Append('\n').ToString();
    }

    /// <summary>How a value prints with <c>%v</c> (what <c>{{.X}}</c> writes).</summary>
    public static string Print(object? v)
    {
        var sb = new StringBuilder();
        Format(sb, v, Spec.V);
        return sb.ToString();
    }

    private sealed record Spec(char Verb, bool Minus = false, bool Plus = false, bool Sharp = false, bool Space = false, bool Zero = false, int Width = -1, int Prec = -1)
    {
        public bool PlusV { get; init; }
        public bool SharpV { get; init; }
        public static readonly Spec V = new('v');
    }

    public static string Sprintf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        int argi = 0;
        int i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%') { sb.Append(c); i++; continue; }
            i++;
            if (i >= format.Length) { sb.Append("%!(NOVERB)"); break; }
            bool minus = false, plus = false, sharp = false, space = false, zero = false;
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': minus = true; zero = false; continue;
                    case '+': plus = true; continue;
                    case '#': sharp = true; continue;
                    case ' ': space = true; continue;
                    case '0': zero = !minus; continue;
                }
                break;
            }
            int width = -1, prec = -1;
            if (i < format.Length && format[i] == '*')
            {
                i++;
                width = StarArg(args, ref argi, sb);
                if (width < 0) { minus = true; width = -width; zero = false; }
            }
            else width = Digits(format, ref i);
            if (i < format.Length && format[i] == '.')
            {
                i++;
                if (i < format.Length && format[i] == '*') { i++; prec = StarArg(args, ref argi, sb); if (prec < 0) prec = -1; }
                else { prec = Digits(format, ref i); if (prec < 0) prec = 0; }
            }
            if (i >= format.Length) { sb.Append("%!(NOVERB)"); break; }
            var verb = format[i++];
            if (verb == '%') { sb.Append('%'); continue; }
            if (argi >= args.Count) { sb.Append("%!").Append(verb).Append("(MISSING)"); continue; }
            // %+v and %#v name struct fields; the flag does not reach the numbers inside
            var spec = new Spec(verb, minus, plus && verb != 'v', sharp && verb != 'v', space, zero, width, prec) { PlusV = plus && verb == 'v', SharpV = sharp && verb == 'v' };
            Format(sb, args[argi++], spec);
        }
        if (argi < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (int k = argi; k < args.Count; k++)
            {
                if (k > argi) sb.Append(", ");
                sb.Append(GoTypes.Name(args[k])).Append('=');
                Format(sb, args[k], Spec.V);
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static int StarArg(IReadOnlyList<object?> args, ref int argi, StringBuilder sb)
    {
        if (argi < args.Count && args[argi] is long n) { argi++; return (int)n; }
        argi++;
        sb.Append("%!(BADWIDTH)");
        return -1;
    }

    private static int Digits(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i == start ? -1 : int.Parse(s.AsSpan(start, i - start), CultureInfo.InvariantCulture);
    }

    private static void Format(StringBuilder sb, object? v, Spec s)
    {
        if (s.Verb == 'T') { Pad(sb, GoTypes.Name(v), s); return; }
        switch (v)
        {
            case NilPointer:
                if (s.Verb is 'v' or 's') Pad(sb, "<nil>", s); else BadVerb(sb, s.Verb, v);
                return;
            case null or Missing:
                if (s.Verb is 'v' or 's' && v is Missing) { Pad(sb, "<nil>", s); return; }
                if (s.Verb == 'v') Pad(sb, "<nil>", s);
                else BadVerb(sb, s.Verb, null);
                return;
            case bool b:
                if (s.Verb is 'v' or 't') Pad(sb, b ? "true" : "false", s);
                else BadVerb(sb, s.Verb, v);
                return;
            case long or int:
                FormatInt(sb, Convert.ToInt64(v, CultureInfo.InvariantCulture), false, s, v);
                return;
            case ulong u:
                FormatInt(sb, unchecked((long)u), true, s, v);
                return;
            case double d:
                FormatFloat(sb, d, s);
                return;
            case string str:
                FormatString(sb, str, s);
                return;
            case JsonNumber n:
                if (s.Verb is 'v' or 's' or 'q' or 'x' or 'X') FormatString(sb, n.Text, s);
                else BadVerb(sb, s.Verb, v, s);
                return;
            case GoTime t:
                FormatString(sb, t.ToString(), s);
                return;
            case GoSlice sl:
                if (s.SharpV) { sb.Append(sl.TypeName).Append('{'); }
                else sb.Append('[');
                for (int i = 0; i < sl.Items.Count; i++)
                {
                    if (i > 0) sb.Append(s.SharpV ? ", " : " ");
                    Format(sb, sl.Items[i], s);
                }
                sb.Append(s.SharpV ? '}' : ']');
                return;
            case GoMap m:
                sb.Append("map[");
                bool first = true;
                foreach (var (k, val) in m.Entries)
                {
                    if (!first) sb.Append(' ');
                    first = false;
                    Format(sb, k, s);
                    sb.Append(':');
                    Format(sb, val, s);
                }
                sb.Append(']');
                return;
            case GoStruct st:
                sb.Append('{');
                for (int i = 0; i < st.Fields.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    if (s.PlusV || s.SharpV) sb.Append(st.Fields[i].Name).Append(':');
                    Format(sb, st.Fields[i].Value, s);
                }
                sb.Append('}');
                return;
            default:
                Pad(sb, v.ToString() ?? "", s);
                return;
        }
    }

    private static void BadVerb(StringBuilder sb, char verb, object? v, Spec? s = null)
    {
        sb.Append("%!").Append(verb).Append('(');
        if (v is null) sb.Append("<nil>");
        else { sb.Append(GoTypes.Name(v)).Append('='); Format(sb, v, (s ?? Spec.V) with { Verb = 'v', Zero = false }); }
        sb.Append(')');
    }

    private static void Pad(StringBuilder sb, string text, Spec s)
    {
        int n = text.EnumerateRunes().Count();
        if (s.Width <= n) { sb.Append(text); return; }
        if (s.Minus) sb.Append(text).Append(' ', s.Width - n);
        else sb.Append(' ', s.Width - n).Append(text);
    }

    /// <summary>Numbers pad with zeros after the sign when the 0 flag is set.</summary>
    private static void PadNumber(StringBuilder sb, string text, Spec s)
    {
        if (s.Zero && !s.Minus && s.Width > text.Length)
        {
            int signLen = text.Length > 0 && text[0] is '-' or '+' or ' ' ? 1 : 0;
            sb.Append(text, 0, signLen).Append('0', s.Width - text.Length).Append(text, signLen, text.Length - signLen);
            return;
        }
        Pad(sb, text, s);
    }

    private static void FormatInt(StringBuilder sb, long n, bool unsigned, Spec s, object original)
    {
        string body;
        bool neg = !unsigned && n < 0;
        ulong mag = unsigned ? unchecked((ulong)n) : neg ? (ulong)(-(n + 1)) + 1 : (ulong)n;
        switch (s.Verb)
        {
            case 'v' or 'd': body = mag.ToString(CultureInfo.InvariantCulture); break;
            case 'x': body = mag.ToString("x", CultureInfo.InvariantCulture); if (s.Sharp) body = "0x" + body; break;
            case 'X': body = mag.ToString("X", CultureInfo.InvariantCulture); if (s.Sharp) body = "0X" + body; break;
            case 'o': body = Convert.ToString(unchecked((long)mag), 8); if (s.Sharp) body = "0" + body; break;
            case 'O': body = "0o" + Convert.ToString(unchecked((long)mag), 8); break;
            case 'b': body = Convert.ToString(unchecked((long)mag), 2); break;
            case 'c': Pad(sb, char.ConvertFromUtf32((int)n), s); return;
            case 'q': Pad(sb, "'" + char.ConvertFromUtf32((int)n) + "'", s); return;
            case 'U': Pad(sb, "U+" + mag.ToString("X4", CultureInfo.InvariantCulture), s); return;
            case 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or 's' or 't':
                BadVerb(sb, s.Verb, original); return;
            default: BadVerb(sb, s.Verb, original); return;
        }
        if (s.Prec >= 0)
        {
            body = body.PadLeft(s.Prec, '0');
            if (s.Prec == 0 && mag == 0) body = "";
            s = s with { Zero = false };
        }
        var sign = neg ? "-" : s.Plus ? "+" : s.Space ? " " : "";
        PadNumber(sb, sign + body, s);
    }

    private static void FormatFloat(StringBuilder sb, double d, Spec s)
    {
        string text;
        switch (s.Verb)
        {
            case 'v' or 'g': text = GoFloat.FormatG(d, s.Prec); break;
            case 'G': text = GoFloat.FormatG(d, s.Prec).ToUpperInvariant(); break;
            case 'e' or 'E': text = GoFloat.FormatE(d, s.Prec < 0 ? 6 : s.Prec, s.Verb == 'E'); break;
            case 'f' or 'F': text = GoFloat.FormatF(d, s.Prec < 0 ? 6 : s.Prec); break;
            default: BadVerb(sb, s.Verb, d); return;
        }
        if (s.Plus && !text.StartsWith('-')) text = "+" + text;
        else if (s.Space && !text.StartsWith('-')) text = " " + text;
        PadNumber(sb, text, s);
    }

    private static void FormatString(StringBuilder sb, string str, Spec s)
    {
        switch (s.Verb)
        {
            case 'v' or 's':
                if (s.Prec >= 0) str = Truncate(str, s.Prec);
                Pad(sb, s.SharpV ? Quote(str) : str, s);
                return;
            case 'q':
                if (s.Prec >= 0) str = Truncate(str, s.Prec);
                Pad(sb, s.Sharp && !str.Contains('`') ? "`" + str + "`" : Quote(str), s);
                return;
            case 'x' or 'X':
                var hex = Convert.ToHexString(Encoding.UTF8.GetBytes(str));
                Pad(sb, s.Verb == 'x' ? hex.ToLowerInvariant() : hex, s);
                return;
            default:
                BadVerb(sb, s.Verb, str);
                return;
        }
    }

    private static string Truncate(string s, int runes)
    {
        var sb = new StringBuilder();
        foreach (var r in s.EnumerateRunes()) { if (runes-- <= 0) break; sb.Append(r.ToString()); }
        return sb.ToString();
    }

    /// <summary><c>strconv.Quote</c>.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var r in s.EnumerateRunes())
        {
            switch (r.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (r.Value < 0x20 || r.Value == 0x7f) sb.Append("\\x").Append(r.Value.ToString("x2", CultureInfo.InvariantCulture));
                    else if (r.Value == 0xFFFD) sb.Append("\\ufffd");
                    else if (Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned)
                        sb.Append(r.Value > 0xFFFF ? "\\U" + r.Value.ToString("x8", CultureInfo.InvariantCulture) : "\\u" + r.Value.ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(r.ToString());
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
