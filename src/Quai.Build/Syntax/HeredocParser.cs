namespace Quai.Build.Syntax;

/// <summary>
/// Finds the heredocs an instruction line opens (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>,
/// <c>&lt;&lt;"EOF"</c>, <c>3&lt;&lt;EOF</c>…) as BuildKit does: the line is split into shell
/// words, and each word that is "&lt;&lt;" plus one word opens a heredoc.
/// </summary>
internal static class HeredocParser
{
    private static readonly ShellWordExpander LineWords = new('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetVariables = true };
    private static readonly ShellWordExpander NameWords = new('\\') { SkipUnsetVariables = true };
    private static readonly ShellWordExpander RawNameWords = new('\\') { RawQuotes = true, SkipUnsetVariables = true };

    private static string? Unset(string name) => null;

    /// <summary>The heredocs of a line, in order (none when the line does not lex as shell words).</summary>
    public static List<RawHeredoc> FromLine(string line)
    {
        IReadOnlyList<string> words;
        try { words = LineWords.ProcessWords(line, Unset); }
        catch (ShellExpansionException) { return []; }
        var heredocs = new List<RawHeredoc>();
        foreach (var word in words)
            if (Parse(word) is { } heredoc) heredocs.Add(heredoc);
        return heredocs;
    }

    /// <summary>The heredoc a word opens, or null; ^(\d*)&lt;&lt;(-?)\s*([^&lt;]*)$ then one shell word.</summary>
    public static RawHeredoc? Parse(string word)
    {
        int i = 0;
        while (i < word.Length && word[i] is >= '0' and <= '9') i++;
        string digits = word[..i];
        if (!word.AsSpan(i).StartsWith("<<")) return null;
        i += 2;
        bool chomp = i < word.Length && word[i] == '-';
        if (chomp) i++;
        while (i < word.Length && word[i] is '\t' or '\n' or '\f' or '\r' or ' ') i++;
        string rest = word[i..];
        if (rest.Contains('<') || rest.Length == 0) return null;

        IReadOnlyList<string> names, rawNames;
        try
        {
            names = NameWords.ProcessWords(rest, Unset);
            if (names.Count != 1) return null;
            rawNames = RawNameWords.ProcessWords(rest, Unset);
        }
        catch (ShellExpansionException e)
        {
            throw new SyntaxError(e.Message);
        }
        if (rawNames.Count != names.Count)
            throw new SyntaxError($"internal lexing of heredoc produced inconsistent results: {rest}");

        string name = names[0];
        // a quote anywhere in the delimiter word turns expansion of the body off
        bool expand = QuoteCount(name) == QuoteCount(rawNames[0]);
        int fd = digits.Length == 0 ? 0 : int.TryParse(digits, out int n) ? n : int.MaxValue;
        return new RawHeredoc { Name = name, Expand = expand, Chomp = chomp, FileDescriptor = fd };
    }

    /// <summary>Parse, with lexing errors read as "not a heredoc" (BuildKit's MustParseHeredoc).</summary>
    public static RawHeredoc? TryParse(string word)
    {
        try { return Parse(word); }
        catch (SyntaxError) { return null; }
    }

    /// <summary>The body without the leading tabs of each line (<c>&lt;&lt;-</c>).</summary>
    public static string Chomp(string content)
    {
        var sb = new System.Text.StringBuilder(content.Length);
        bool lineStart = true;
        foreach (char c in content)
        {
            if (lineStart && c == '\t') continue;
            lineStart = c == '\n';
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static int QuoteCount(string s) => s.Count(c => c is '\'' or '"');
}
