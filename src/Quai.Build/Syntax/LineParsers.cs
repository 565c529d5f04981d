using System.Text;

namespace Quai.Build.Syntax;

/// <summary>
/// How each keyword's arguments are split from its logical line (BuildKit's line_parsers.go and
/// split_command.go): the command word, the leading --flags, then JSON, words, name=value pairs…
/// </summary>
internal static class LineParsers
{
    /// <summary>[\t\v\f\r ], BuildKit's whitespace between arguments.</summary>
    public static bool IsArgumentSpace(char c) => c is '\t' or '\v' or '\f' or '\r' or ' ';

    /// <summary>Splits one logical line into an instruction node; throws for malformed arguments.</summary>
    public static RawInstruction FromLine(string line, char escape)
    {
        var (keyword, flags, rest) = SplitCommand(line, escape);
        var node = new RawInstruction { Keyword = keyword, Flags = flags, Original = line };
        switch (keyword.ToLowerInvariant())
        {
            case "add" or "copy" or "volume":
                MaybeJsonToList(rest, node);
                break;
            case "arg":
                node.Args = ParseWords(rest, escape);
                break;
            case "cmd" or "entrypoint" or "run" or "shell":
                MaybeJson(rest, node);
                break;
            case "env":
                node.Pairs = NameValues(rest, "ENV", escape);
                break;
            case "label":
                node.Pairs = NameValues(rest, "LABEL", escape);
                break;
            case "expose" or "from":
                node.Args = SplitWhitespace(rest);
                break;
            case "healthcheck":
                HealthConfig(rest, node);
                break;
            case "maintainer" or "stopsignal" or "user" or "workdir":
                if (rest.Length > 0) node.Args = [rest];
                break;
            case "onbuild":
                if (rest.Length > 0) node.Trigger = FromLine(rest, escape);
                break;
        }
        return node;
    }

    private static (string Keyword, List<string> Flags, string Arguments) SplitCommand(string line, char escape)
    {
        string trimmed = line.Trim();
        int split = 0;
        while (split < trimmed.Length && !IsArgumentSpace(trimmed[split])) split++;
        if (split == trimmed.Length) return (trimmed, [], "");
        int next = split;
        while (next < trimmed.Length && IsArgumentSpace(trimmed[next])) next++;
        var (rest, flags) = ExtractFlags(trimmed[next..], escape);
        return (trimmed[..split], flags, rest.Trim());
    }

    /// <summary>The leading words that start with "--" (quotes and escapes removed), and the rest.</summary>
    private static (string Remainder, List<string> Flags) ExtractFlags(string line, char escape)
    {
        const int inSpaces = 0, inWord = 1, inQuote = 2;
        var words = new List<string>();
        var word = new StringBuilder();
        int phase = inSpaces;
        char quote = '\0';
        bool blankOk = false;
        char ch = '\0';
        for (int pos = 0; pos <= line.Length; pos++)
        {
            if (pos != line.Length) ch = line[pos];
            if (phase == inSpaces)
            {
                if (pos == line.Length) break;
                if (char.IsWhiteSpace(ch)) continue;
                if (ch != '-' || pos + 1 == line.Length || line[pos + 1] != '-') return (line[pos..], words);
                phase = inWord;
            }
            if (pos == line.Length)
            {
                string last = word.ToString();
                if (last != "--" && (blankOk || last.Length > 0)) words.Add(last);
                break;
            }
            if (phase == inWord)
            {
                if (char.IsWhiteSpace(ch))
                {
                    string done = word.ToString();
                    phase = inSpaces;
                    if (done == "--") return (line[pos..], words);
                    if (blankOk || done.Length > 0) words.Add(done);
                    word.Clear();
                    blankOk = false;
                    continue;
                }
                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    phase = inQuote;
                    continue;
                }
                if (ch == escape)
                {
                    if (pos + 1 == line.Length) continue;
                    ch = line[++pos];
                }
                word.Append(ch);
                continue;
            }
            // inQuote
            if (ch == quote)
            {
                phase = inWord;
                continue;
            }
            if (ch == escape)
            {
                if (pos + 1 == line.Length)
                {
                    phase = inWord;
                    continue;
                }
                ch = line[++pos];
            }
            word.Append(ch);
        }
        return ("", words);
    }

    /// <summary>
    /// Splits on whitespace outside quotes, keeping the quotes and escapes in the words (they are
    /// removed later, by expansion): how ENV, LABEL and ARG find their words.
    /// </summary>
    public static List<string> ParseWords(string rest, char escape)
    {
        const int inSpaces = 0, inWord = 1, inQuote = 2;
        var words = new List<string>();
        var word = new StringBuilder();
        int phase = inSpaces;
        char quote = '\0';
        bool blankOk = false;
        for (int pos = 0; pos <= rest.Length; pos++)
        {
            char ch = pos < rest.Length ? rest[pos] : '\0';
            if (phase == inSpaces)
            {
                if (pos == rest.Length) break;
                if (char.IsWhiteSpace(ch)) continue;
                phase = inWord;
            }
            if (pos == rest.Length)
            {
                if (blankOk || word.Length > 0) words.Add(word.ToString());
                break;
            }
            if (phase == inWord)
            {
                if (char.IsWhiteSpace(ch))
                {
                    phase = inSpaces;
                    if (blankOk || word.Length > 0) words.Add(word.ToString());
                    word.Clear();
                    blankOk = false;
                    continue;
                }
                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    phase = inQuote;
                }
                if (ch == escape)
                {
                    if (pos + 1 == rest.Length) continue; // an escape at the very end is dropped
                    word.Append(ch);
                    ch = rest[++pos];
                }
                word.Append(ch);
                continue;
            }
            // inQuote
            if (ch == quote) phase = inWord;
            if (ch == escape && quote != '\'')
            {
                if (pos + 1 == rest.Length)
                {
                    phase = inWord;
                    continue;
                }
                word.Append(ch);
                ch = rest[++pos];
            }
            word.Append(ch);
        }
        return words;
    }

    /// <summary>Splits on runs of [\t\v\f\r ] (the text is already trimmed).</summary>
    public static List<string> SplitWhitespace(string rest)
    {
        var words = new List<string>();
        if (rest.Length == 0) return words;
        int start = 0;
        for (int i = 0; i <= rest.Length; i++)
        {
            if (i < rest.Length && !IsArgumentSpace(rest[i])) continue;
            words.Add(rest[start..i]);
            while (i + 1 < rest.Length && IsArgumentSpace(rest[i + 1])) i++;
            start = i + 1;
        }
        return words;
    }

    private static void MaybeJson(string rest, RawInstruction node)
    {
        if (rest.Length == 0) return;
        var json = JsonStringArray.TryParse(rest);
        if (json is not null)
        {
            node.Args = json;
            node.Json = true;
            return;
        }
        node.Args = [rest];
    }

    private static void MaybeJsonToList(string rest, RawInstruction node)
    {
        var json = JsonStringArray.TryParse(rest);
        if (json is not null)
        {
            node.Args = json;
            node.Json = true;
            return;
        }
        node.Args = SplitWhitespace(rest);
    }

    private static List<(string, string, bool)> NameValues(string rest, string keyword, char escape)
    {
        var words = ParseWords(rest, escape);
        if (words.Count == 0) return [];
        if (!words[0].Contains('='))
        {
            // the legacy form: KEY value (the whole rest of the line)
            int split = 0;
            while (split < rest.Length && !IsArgumentSpace(rest[split])) split++;
            if (split == rest.Length) throw new SyntaxError($"{keyword} must have two arguments");
            int value = split;
            while (value < rest.Length && IsArgumentSpace(rest[value])) value++;
            return [(rest[..split], rest[value..], true)];
        }
        var pairs = new List<(string, string, bool)>();
        foreach (var word in words)
        {
            int eq = word.IndexOf('=');
            if (eq < 0) throw new SyntaxError($"Syntax error - can't find = in {GoText.Quote(word)}. Must be of the form: name=value");
            pairs.Add((word[..eq], word[(eq + 1)..], false));
        }
        return pairs;
    }

    private static void HealthConfig(string rest, RawInstruction node)
    {
        int sep = 0;
        while (sep < rest.Length && !char.IsWhiteSpace(rest[sep])) sep++;
        int next = sep;
        while (next < rest.Length && char.IsWhiteSpace(rest[next])) next++;
        if (sep == 0) return;
        var command = new RawInstruction { Keyword = "", Flags = [], Original = "" };
        MaybeJson(rest[next..], command);
        node.Args = [rest[..sep], .. command.Args];
        node.Json = command.Json;
    }
}
