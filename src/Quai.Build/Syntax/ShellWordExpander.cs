using System.Collections.Frozen;
using System.Text;

namespace Quai.Build.Syntax;

/// <summary>
/// Variable substitution and word splitting as BuildKit's shell lexer (shell/lex.go) does them on
/// Dockerfile arguments: <c>$v</c>, <c>${v}</c>, <c>${v:-w}</c>, <c>${v-w}</c>, <c>${v:+w}</c>,
/// <c>${v+w}</c>, <c>${v:?msg}</c>, <c>${v?msg}</c>, <c>${v#pat}</c>, <c>${v##pat}</c>,
/// <c>${v%pat}</c>, <c>${v%%pat}</c>, <c>${v/pat/rep}</c>, <c>${v//pat/rep}</c>; single quotes
/// (literal), double quotes (expanding), both removed; the escape character (<c>\$</c> is a
/// literal dollar). Unset variables expand to nothing. The parser leaves arguments raw; the
/// builder runs the instructions in <see cref="ExpandedInstructions"/> through this class.
/// An instance holds only options: it is safe to share between threads.
/// </summary>
public sealed class ShellWordExpander
{
    private const int Eof = -1;

    /// <summary>An expander using <paramref name="escapeToken"/> (the Dockerfile's escape directive: \ or `).</summary>
    public ShellWordExpander(char escapeToken = '\\') => EscapeToken = escapeToken;

    /// <summary>The escape character.</summary>
    public char EscapeToken { get; }

    /// <summary>Keep quote characters in the result (they still group and protect).</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the result (they still escape).</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Treat quotes as ordinary characters (BuildKit's expansion of heredoc bodies).</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Leave references to unset variables as written (<c>$X</c>, <c>${X:-y}</c>) instead of expanding them.</summary>
    public bool SkipUnsetVariables { get; init; }

    /// <summary>
    /// The instructions (upper case) whose arguments BuildKit expands with the build's ARG and ENV
    /// values: ADD ARG COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR. RUN, CMD,
    /// ENTRYPOINT, SHELL, HEALTHCHECK and MAINTAINER are not expanded (a shell may expand them
    /// when it runs); ONBUILD is not either: its trigger is expanded when a later build runs it.
    /// ARG is not in Docker's reference list but BuildKit expands its default values
    /// (<c>ARG B=${A}</c>). Of RUN, only the --mount options are expanded.
    /// </summary>
    public static IReadOnlySet<string> ExpandedInstructions { get; } = new[]
    {
        "ADD", "ARG", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Expands one word: variables substituted, quotes and escapes removed, whitespace kept.
    /// <paramref name="lookup"/> returns a variable's value, or null when it is unset.
    /// Throws <see cref="ShellExpansionException"/>.
    /// </summary>
    public string ProcessWord(string word, Func<string, string?> lookup) => Run(word, lookup).Result;

    /// <summary>
    /// Expands, then splits into words at unquoted whitespace (whitespace that came out of a
    /// variable splits too, unless quoted), as EXPOSE does with its ports.
    /// Throws <see cref="ShellExpansionException"/>.
    /// </summary>
    public IReadOnlyList<string> ProcessWords(string word, Func<string, string?> lookup) => Run(word, lookup).Words;

    /// <summary>
    /// Splits an instruction's argument text into words at whitespace outside quotes, keeping the
    /// quotes and escapes in each word (to be removed by <see cref="ProcessWord"/>): how ENV,
    /// LABEL and ARG find their <c>name=value</c> words.
    /// </summary>
    public static IReadOnlyList<string> SplitWords(string text, char escapeToken = '\\') => LineParsers.ParseWords(text, escapeToken);

    private (string Result, List<string> Words) Run(string word, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(lookup);
        try
        {
            return new Lexer(this, word, lookup).ProcessStopOn(Eof, RawEscapes);
        }
        catch (SyntaxError e)
        {
            throw new ShellExpansionException($"failed to process {GoText.Quote(word)}: {e.Message}");
        }
    }

    private sealed class Lexer(ShellWordExpander options, string text, Func<string, string?> lookup)
    {
        private int _pos;
        private bool _rawEscapes;

        private int Peek() => _pos < text.Length ? CodePointAt(_pos) : Eof;

        private int Next()
        {
            if (_pos >= text.Length) return Eof;
            int cp = CodePointAt(_pos);
            _pos += cp > 0xFFFF ? 2 : 1;
            return cp;
        }

        private int CodePointAt(int i) =>
            char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                ? char.ConvertToUtf32(text[i], text[i + 1])
                : text[i];

        public (string Result, List<string> Words) ProcessStopOn(int stop, bool rawEscapes)
        {
            var result = new StringBuilder();
            var words = new WordSplitter();
            bool saved = _rawEscapes;
            _rawEscapes = rawEscapes;
            try
            {
                while (Peek() != Eof)
                {
                    int ch = Peek();
                    if (stop != Eof && ch == stop)
                    {
                        Next();
                        return (result.ToString(), words.Finish());
                    }
                    string? special = ch switch
                    {
                        '$' => ProcessDollar(),
                        '<' => ProcessPossibleHeredoc(),
                        '\'' when !options.SkipProcessQuotes => ProcessSingleQuote(),
                        '"' when !options.SkipProcessQuotes => ProcessDoubleQuote(),
                        _ => null,
                    };
                    if (special is not null)
                    {
                        result.Append(special);
                        if (ch == '$') words.AddString(special);
                        else words.AddRawString(special);
                        continue;
                    }
                    ch = Next();
                    if (ch == options.EscapeToken)
                    {
                        if (_rawEscapes)
                        {
                            words.AddRawChar(ch);
                            GoText.AppendCodePoint(result, ch);
                        }
                        ch = Next();
                        if (ch == Eof) break; // an escape at the end is dropped
                        words.AddRawChar(ch);
                    }
                    else words.AddChar(ch);
                    GoText.AppendCodePoint(result, ch);
                }
                if (stop != Eof) throw new SyntaxError($"unexpected end of statement while looking for matching {(char)stop}");
                return (result.ToString(), words.Finish());
            }
            finally
            {
                _rawEscapes = saved;
            }
        }

        private string ProcessSingleQuote()
        {
            // everything up to the next ' is literal; a ' cannot be escaped inside
            var result = new StringBuilder();
            int ch = Next();
            if (options.RawQuotes) GoText.AppendCodePoint(result, ch);
            while (true)
            {
                ch = Next();
                if (ch == Eof) throw new SyntaxError("unexpected end of statement while looking for matching single-quote");
                if (ch == '\'')
                {
                    if (options.RawQuotes) GoText.AppendCodePoint(result, ch);
                    return result.ToString();
                }
                GoText.AppendCodePoint(result, ch);
            }
        }

        private string ProcessDoubleQuote()
        {
            // everything up to the next " is literal except $, and the escape before " $ and itself
            var result = new StringBuilder();
            int ch = Next();
            if (options.RawQuotes) GoText.AppendCodePoint(result, ch);
            while (true)
            {
                switch (Peek())
                {
                    case Eof:
                        throw new SyntaxError("unexpected end of statement while looking for matching double-quote");
                    case '"':
                        ch = Next();
                        if (options.RawQuotes) GoText.AppendCodePoint(result, ch);
                        return result.ToString();
                    case '$':
                        result.Append(ProcessDollar());
                        break;
                    default:
                        ch = Next();
                        if (ch == options.EscapeToken)
                        {
                            if (_rawEscapes) GoText.AppendCodePoint(result, ch);
                            int peek = Peek();
                            if (peek == Eof) continue; // the escape at the end of the word is ignored
                            if (peek == '"' || peek == '$' || peek == options.EscapeToken) ch = Next();
                        }
                        GoText.AppendCodePoint(result, ch);
                        break;
                }
            }
        }

        private string ProcessDollar()
        {
            Next(); // $
            if (Peek() != '{')
            {
                string simple = ProcessName();
                if (simple.Length == 0) return "$";
                string? value = lookup(simple);
                if (value is null && options.SkipUnsetVariables) return "$" + simple;
                return value ?? "";
            }

            Next(); // {
            switch (Peek())
            {
                case Eof: throw new SyntaxError("syntax error: missing '}'");
                case '{' or '}' or ':': throw new SyntaxError("syntax error: bad substitution");
            }
            string name = ProcessName();
            int ch = Next();
            if (ch == Eof) throw new SyntaxError("syntax error: missing '}'");
            string modifier = CodePointString(ch);
            bool nullIsUnset = false;
            switch (ch)
            {
                case '}':
                {
                    string? value = lookup(name);
                    if (value is null && options.SkipUnsetVariables) return "${" + name + "}";
                    return value ?? "";
                }
                case ':' or '+' or '-' or '?' or '#' or '%':
                {
                    if (ch == ':')
                    {
                        nullIsUnset = true;
                        ch = Next();
                        modifier += ch == Eof ? "\uFFFD" : CodePointString(ch);
                    }
                    bool patternOperator = ch is '#' or '%';
                    if (nullIsUnset && patternOperator) throw new SyntaxError($"unsupported modifier ({modifier}) in substitution");
                    string word = ProcessUntilBrace(patternOperator);

                    string? value = lookup(name);
                    bool set = value is not null;
                    value ??= "";
                    if (!set && options.SkipUnsetVariables) return "${" + name + modifier + word + "}";
                    switch (ch)
                    {
                        case '-':
                            return !set || (nullIsUnset && value.Length == 0) ? word : value;
                        case '+':
                            return !set || (nullIsUnset && value.Length == 0) ? "" : word;
                        case '?':
                            if (!set) throw new SyntaxError($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                            if (nullIsUnset && value.Length == 0)
                                throw new SyntaxError($"{name}: {(word.Length > 0 ? word : "is not allowed to be empty")}");
                            return value;
                        case '%' or '#':
                            bool greedy = word.Length > 0 && word[0] == ch;
                            if (greedy) word = word[1..];
                            return ch == '%'
                                ? ShellPattern.TrimSuffix(word, value, greedy)
                                : ShellPattern.TrimPrefix(word, value, greedy);
                        default:
                            throw new SyntaxError($"unsupported modifier ({modifier}) in substitution");
                    }
                }
                case '/':
                {
                    bool all = Peek() == '/';
                    if (all) Next();
                    string pattern;
                    try { pattern = ProcessStopOn('/', rawEscapes: true).Result; }
                    catch (SyntaxError) when (Peek() == Eof) { throw new SyntaxError("syntax error: missing '/' in ${}"); }
                    string replacement = ProcessUntilBrace(rawEscapes: true);

                    string? value = lookup(name);
                    if (value is null && options.SkipUnsetVariables) return "${" + name + "/" + pattern + "/" + replacement + "}";
                    return ShellPattern.Replace(value ?? "", pattern, replacement, all);
                }
                default:
                    throw new SyntaxError($"unsupported modifier ({modifier}) in substitution");
            }
        }

        private string ProcessUntilBrace(bool rawEscapes)
        {
            try { return ProcessStopOn('}', rawEscapes).Result; }
            catch (SyntaxError) when (Peek() == Eof) { throw new SyntaxError("syntax error: missing '}'"); }
        }

        private string ProcessName()
        {
            // letters, digits and _; or a run of digits (positional); or one special parameter
            var name = new StringBuilder();
            while (Peek() != Eof)
            {
                int ch = Peek();
                if (name.Length == 0 && IsDigit(ch))
                {
                    while (Peek() != Eof && IsDigit(Peek())) GoText.AppendCodePoint(name, Next());
                    return name.ToString();
                }
                if (name.Length == 0 && ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
                {
                    Next();
                    return CodePointString(ch);
                }
                if (!IsLetter(ch) && !IsDigit(ch) && ch != '_') break;
                GoText.AppendCodePoint(name, Next());
            }
            return name.ToString();
        }

        private string ProcessPossibleHeredoc()
        {
            Next(); // <
            if (Peek() != '<') return "<";
            Next();
            var result = new StringBuilder("<<");
            while (Peek() is '\t' or '\r' or ' ') GoText.AppendCodePoint(result, Next());
            return result.ToString();
        }

        private static string CodePointString(int cp)
        {
            var sb = new StringBuilder(2);
            GoText.AppendCodePoint(sb, cp);
            return sb.ToString();
        }

        private static bool IsDigit(int cp) => Rune.IsValid(cp) && Rune.IsDigit(new Rune(cp));

        private static bool IsLetter(int cp) => Rune.IsValid(cp) && Rune.IsLetter(new Rune(cp));
    }

    /// <summary>Collects the words of <see cref="ProcessWords"/>: raw text never splits, plain text splits at whitespace.</summary>
    private sealed class WordSplitter
    {
        private readonly StringBuilder _buffer = new();
        private readonly List<string> _words = [];
        private bool _inWord;

        public void AddChar(int ch)
        {
            bool space = ch <= 0xFFFF && char.IsWhiteSpace((char)ch);
            if (space && _inWord)
            {
                if (_buffer.Length != 0)
                {
                    _words.Add(_buffer.ToString());
                    _buffer.Clear();
                    _inWord = false;
                }
            }
            else if (!space) AddRawChar(ch);
        }

        public void AddRawChar(int ch)
        {
            GoText.AppendCodePoint(_buffer, ch);
            _inWord = true;
        }

        public void AddString(string s)
        {
            foreach (char c in s) AddChar(c);
        }

        public void AddRawString(string s)
        {
            _buffer.Append(s);
            _inWord = true;
        }

        public List<string> Finish()
        {
            if (_buffer.Length > 0)
            {
                _words.Add(_buffer.ToString());
                _buffer.Clear();
                _inWord = false;
            }
            return _words;
        }
    }
}
