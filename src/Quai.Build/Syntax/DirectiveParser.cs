namespace Quai.Build.Syntax;

/// <summary>
/// Recognises parser directives (<c># syntax=</c>, <c># escape=</c>, <c># check=</c>, keys in any
/// case) on the leading lines of a Dockerfile; the first line that is not one ends the search.
/// </summary>
internal sealed class DirectiveParser
{
    private readonly HashSet<string> _seen = [];
    private bool _done;

    /// <summary>The directive on this line, or null; throws for a repeated directive.</summary>
    public ParserDirective? ParseLine(string line, int lineNumber)
    {
        if (_done) return null;
        if (!line.StartsWith('#'))
        {
            _done = true;
            return null;
        }
        var match = Match(line.AsSpan(1).TrimStart());
        if (match is null)
        {
            _done = true;
            return null;
        }
        var (key, value) = match.Value;
        key = key.ToLowerInvariant();
        if (key is not ("syntax" or "escape" or "check"))
        {
            _done = true;
            return null;
        }
        if (!_seen.Add(key)) throw new SyntaxError($"only one {key} parser directive can be used", lineNumber);
        return new ParserDirective(key, value, lineNumber);
    }

    /// <summary>^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ with Go's \s ([\t\n\f\r ]).</summary>
    private static (string Key, string Value)? Match(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0])) return null;
        int i = 1;
        while (i < s.Length && char.IsAsciiLetterOrDigit(s[i])) i++;
        string key = s[..i].ToString();
        while (i < s.Length && IsSpace(s[i])) i++;
        if (i == s.Length || s[i] != '=') return null;
        i++;
        int valueStart = i;
        while (i < s.Length && IsSpace(s[i])) i++;
        var rest = s[i..];
        if (rest.Length > 0) return (key, rest.TrimEnd("\t\n\f\r ").ToString());
        // "key=  ": the regexp backtracks and the value is the last blank
        return i > valueStart ? (key, s[(i - 1)..i].ToString()) : null;
    }

    private static bool IsSpace(char c) => c is '\t' or '\n' or '\f' or '\r' or ' ';
}
