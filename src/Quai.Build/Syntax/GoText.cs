using System.Globalization;
using System.Text;

namespace Quai.Build.Syntax;

/// <summary>Go's string quoting and number/bool parsing, so that messages read as BuildKit's do.</summary>
internal static class GoText
{
    /// <summary>strconv.Quote (and fmt's %q / %#v of a string).</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            int cp = s[i];
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                cp = char.ConvertToUtf32(s[i], s[i + 1]);
                i++;
            }
            switch (cp)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '\a': sb.Append("\\a"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
                case '\v': sb.Append("\\v"); continue;
            }
            if (cp < ' ' || cp == 0x7f) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (IsPrint(cp)) AppendCodePoint(sb, cp);
            else if (cp < 0x10000) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
        }
        return sb.Append('"').ToString();
    }

    /// <summary>The quoting of Go's time package: ASCII as is (with \" and \\), everything else as \x bytes.</summary>
    public static string TimeQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.Value >= 0x80 || rune.Value < ' ')
            {
                int n = rune.EncodeToUtf8(bytes);
                for (int j = 0; j < n; j++) sb.Append("\\x").Append(bytes[j].ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                if (rune.Value is '"' or '\\') sb.Append('\\');
                sb.Append((char)rune.Value);
            }
        }
        return sb.Append('"').ToString();
    }

    private static bool IsPrint(int cp)
    {
        if (cp == ' ') return true;
        if (!Rune.IsValid(cp)) return false;
        return Rune.GetUnicodeCategory(new Rune(cp)) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator => false,
            _ => true,
        };
    }

    /// <summary>Appends a code point (or a lone surrogate) to a builder.</summary>
    public static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp < 0x10000) sb.Append((char)cp);
        else
        {
            cp -= 0x10000;
            sb.Append((char)(0xD800 + (cp >> 10))).Append((char)(0xDC00 + (cp & 0x3FF)));
        }
    }

    /// <summary>strconv.ParseBool.</summary>
    public static bool TryParseBool(string s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True": value = true; return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False": value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>strconv.ParseUint(s, base, 32) for base 8 or 10.</summary>
    public static bool TryParseUInt32(string s, int numberBase, out uint value)
    {
        value = 0;
        if (s.Length == 0) return false;
        ulong v = 0;
        foreach (char c in s)
        {
            int digit = c - '0';
            if (digit < 0 || digit >= numberBase) return false;
            v = v * (ulong)numberBase + (ulong)digit;
            if (v > uint.MaxValue) return false;
        }
        value = (uint)v;
        return true;
    }

    /// <summary>strconv.ParseInt(s, 10, 32); throws with Go's message.</summary>
    public static int ParseInt32(string s)
    {
        string digits = s;
        bool negative = false;
        if (digits.Length > 0 && digits[0] is '+' or '-')
        {
            negative = digits[0] == '-';
            digits = digits[1..];
        }
        bool syntax = digits.Length == 0;
        ulong v = 0;
        bool range = false;
        foreach (char c in digits)
        {
            if (c is < '0' or > '9') { syntax = true; break; }
            if (range) continue;
            if (v > (ulong.MaxValue - 9) / 10) range = true;
            else v = v * 10 + (ulong)(c - '0');
        }
        if (syntax) throw new SyntaxError($"strconv.ParseInt: parsing {Quote(s)}: invalid syntax");
        const ulong cutoff = 1UL << 31;
        if (range || (!negative && v >= cutoff) || (negative && v > cutoff))
            throw new SyntaxError($"strconv.ParseInt: parsing {Quote(s)}: value out of range");
        return negative ? (int)-(long)v : (int)v;
    }
}
