using System.Text;
using System.Text.RegularExpressions;

namespace Quai.Build.Syntax;

/// <summary>
/// The shell patterns of ${VAR#pattern}, ${VAR%pattern} and ${VAR/pattern/replacement}: * and ?
/// wildcards (no brackets), \ escaping, matched through a regular expression as BuildKit does.
/// </summary>
internal static class ShellPattern
{
    private const int Eof = -1;

    /// <summary>The pattern as a regular expression; throws "invalid escape '\x'".</summary>
    public static Regex ToRegex(string pattern, bool greedy, bool anchored)
    {
        int[] tokens = CodePoints(pattern);
        var sb = new StringBuilder(pattern.Length + 4);
        if (anchored) sb.Append('^');
        for (int i = 0; i < tokens.Length; i++)
        {
            int token = tokens[i];
            switch (token)
            {
                case '*':
                    sb.Append(greedy ? ".*" : ".*?");
                    continue;
                case '?':
                    sb.Append(@"(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|.)"); // one code point, as Go's "."
                    continue;
                case '\\':
                    int peek = i + 1 < tokens.Length ? tokens[i + 1] : Eof;
                    if (peek is '}' or '/') continue; // escaped only for ${}, not part of the pattern
                    sb.Append('\\');
                    token = peek;
                    i++;
                    if (token is not ('*' or '?' or '\\'))
                    {
                        var bad = new StringBuilder();
                        GoText.AppendCodePoint(bad, token == Eof ? 0xFFFD : token);
                        throw new SyntaxError($"invalid escape '\\{bad}'");
                    }
                    break;
                case '[' or ']' or '{' or '}' or '.' or '+' or '(' or ')' or '|' or '^' or '$':
                    sb.Append('\\');
                    break;
            }
            GoText.AppendCodePoint(sb, token);
        }
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant);
    }

    /// <summary>${VAR#pattern} (shortest) and ${VAR##pattern} (longest).</summary>
    public static string TrimPrefix(string pattern, string value, bool greedy)
    {
        Regex regex;
        try { regex = ToRegex(pattern, greedy, anchored: true); }
        catch (SyntaxError e) { throw new SyntaxError($"invalid pattern ({pattern}) in substitution: {e.Message}"); }
        var match = regex.Match(value);
        return match.Success ? value[(match.Index + match.Length)..] : value;
    }

    /// <summary>${VAR%pattern} and ${VAR%%pattern}: a prefix trim of the reversed value and pattern.</summary>
    public static string TrimSuffix(string pattern, string value, bool greedy) =>
        ReverseString(TrimPrefix(ReversePattern(pattern), ReverseString(value), greedy));

    /// <summary>${VAR/pattern/replacement} and ${VAR//pattern/replacement}.</summary>
    public static string Replace(string value, string pattern, string replacement, bool all)
    {
        Regex regex;
        try { regex = ToRegex(pattern, greedy: true, anchored: false); }
        catch (SyntaxError e) { throw new SyntaxError($"invalid pattern ({pattern}) in substitution: {e.Message}"); }
        if (!all)
        {
            var match = regex.Match(value);
            return match.Success ? string.Concat(value.AsSpan(0, match.Index), replacement, value.AsSpan(match.Index + match.Length)) : value;
        }
        return ReplaceAll(regex, value, replacement);
    }

    /// <summary>Go's Regexp.ReplaceAllString: no empty match right after a match, $ templates expanded.</summary>
    private static string ReplaceAll(Regex regex, string src, string template)
    {
        var sb = new StringBuilder();
        int lastMatchEnd = 0, searchPos = 0;
        while (searchPos <= src.Length)
        {
            var match = regex.Match(src, searchPos);
            if (!match.Success) break;
            int start = match.Index, end = match.Index + match.Length;
            sb.Append(src, lastMatchEnd, start - lastMatchEnd);
            if (end > lastMatchEnd || start == 0) Expand(sb, template, src[start..end]);
            lastMatchEnd = end;
            int width = searchPos < src.Length ? (char.IsHighSurrogate(src[searchPos]) && searchPos + 1 < src.Length ? 2 : 1) : 0;
            if (searchPos + width > end) searchPos += width;
            else if (searchPos + 1 > end) searchPos++;
            else searchPos = end;
        }
        sb.Append(src, lastMatchEnd, src.Length - lastMatchEnd);
        return sb.ToString();
    }

    /// <summary>Go's Regexp.Expand for a pattern without groups: $0/${0} is the match, $$ a dollar.</summary>
    private static void Expand(StringBuilder sb, string template, string whole)
    {
        int i = 0;
        while (i < template.Length)
        {
            int dollar = template.IndexOf('$', i);
            if (dollar < 0) break;
            sb.Append(template, i, dollar - i);
            i = dollar + 1;
            if (i < template.Length && template[i] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            int j = i;
            bool brace = j < template.Length && template[j] == '{';
            if (brace) j++;
            int nameStart = j;
            while (j < template.Length)
            {
                var rune = Rune.GetRuneAt(template, j);
                if (!Rune.IsLetter(rune) && !Rune.IsDigit(rune) && rune.Value != '_') break;
                j += rune.Utf16SequenceLength;
            }
            string name = template[nameStart..j];
            if (name.Length == 0 || (brace && (j >= template.Length || template[j] != '}')))
            {
                sb.Append('$'); // malformed: the dollar is literal
                continue;
            }
            if (brace) j++;
            i = j;
            if (name == "0") sb.Append(whole); // the only group; other names are empty
        }
        sb.Append(template, i, template.Length - i);
    }

    private static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else list.Add(s[i]);
        }
        return [.. list];
    }

    private static string FromCodePoints(IEnumerable<int> codePoints)
    {
        var sb = new StringBuilder();
        foreach (int cp in codePoints) GoText.AppendCodePoint(sb, cp);
        return sb.ToString();
    }

    /// <summary>Reverses a pattern, keeping each escape before the character it escapes.</summary>
    internal static string ReversePattern(string pattern)
    {
        int[] tokens = CodePoints(pattern);
        var output = new int[tokens.Length];
        int last = tokens.Length - 1;
        for (int i = 0; i <= last;)
        {
            int outIndex = last - i;
            if (tokens[i] == '\\' && i != last)
            {
                output[outIndex - 1] = tokens[i];
                output[outIndex] = tokens[i + 1];
                i += 2;
            }
            else
            {
                output[outIndex] = tokens[i];
                i++;
            }
        }
        return FromCodePoints(output);
    }

    internal static string ReverseString(string s)
    {
        int[] codePoints = CodePoints(s);
        Array.Reverse(codePoints);
        return FromCodePoints(codePoints);
    }
}
