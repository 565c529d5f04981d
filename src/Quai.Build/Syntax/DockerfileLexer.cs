using System.Text;

namespace Quai.Build.Syntax;

/// <summary>What the lexer found: the directives, the escape character, the instructions.</summary>
internal sealed record LexResult(IReadOnlyList<ParserDirective> Directives, char EscapeToken, IReadOnlyList<RawInstruction> Instructions);

/// <summary>
/// Turns the text into logical lines as BuildKit's parser does (parser.go): parser directives at
/// the top, comment lines dropped, continuation lines joined (empty and comment lines inside a
/// continuation skipped, blanks after the escape character allowed), heredoc bodies read after
/// the line that opens them.
/// </summary>
internal static class DockerfileLexer
{
    public static LexResult Lex(string text)
    {
        var lines = SplitLines(text);
        var directives = new List<ParserDirective>();
        var directiveParser = new DirectiveParser();
        char escape = '\\';
        var instructions = new List<RawInstruction>();
        int current = 0; // lines consumed so far
        int next = 0;

        string Process(string raw, bool stripLeft)
        {
            string token = TrimNewline(raw);
            if (stripLeft) token = token.TrimStart();
            if (directiveParser.ParseLine(token, current + 1) is { } directive)
            {
                if (directive.Name == "escape")
                {
                    if (directive.Value is not ("`" or "\\"))
                        throw new SyntaxError($"invalid escape token '{directive.Value}' does not match ` or \\", current + 1);
                    escape = directive.Value[0];
                }
                directives.Add(directive);
            }
            return IsComment(token) ? "" : token;
        }

        while (next < lines.Count)
        {
            string raw = lines[next++];
            if (current == 0 && raw.StartsWith('\uFEFF')) raw = raw[1..];
            string token = Process(raw, stripLeft: true);
            current++;
            int startLine = current;
            (token, bool endOfLine) = TrimContinuation(token, escape);
            if (endOfLine && token.Length == 0) continue;

            var logical = new StringBuilder(token);
            while (!endOfLine && next < lines.Count)
            {
                string continuation = lines[next++];
                string processed = Process(continuation, stripLeft: false);
                current++;
                if (IsComment(continuation)) continue;
                if (processed.TrimStart().Length == 0) continue; // an empty continuation line
                (processed, endOfLine) = TrimContinuation(processed, escape);
                logical.Append(processed);
            }
            string line = logical.ToString();

            RawInstruction node;
            try { node = LineParsers.FromLine(line, escape); }
            catch (SyntaxError e) { throw new SyntaxError(e.Message, startLine); }

            if (CanContainHeredoc(node) && line.Contains("<<", StringComparison.Ordinal))
            {
                List<RawHeredoc> heredocs;
                try { heredocs = HeredocParser.FromLine(line); }
                catch (SyntaxError e) { throw new SyntaxError(e.Message, startLine); }
                foreach (var heredoc in heredocs)
                {
                    var content = new StringBuilder();
                    bool terminated = false;
                    while (next < lines.Count)
                    {
                        string body = lines[next++];
                        current++;
                        string terminator = TrimNewline(body);
                        if (heredoc.Chomp) terminator = terminator.TrimStart('\t');
                        if (terminator == heredoc.Name)
                        {
                            terminated = true;
                            break;
                        }
                        content.Append(body);
                    }
                    if (!terminated) throw new SyntaxError("unterminated heredoc", startLine);
                    heredoc.Content = content.ToString();
                }
                node.Heredocs = heredocs;
                if (node.Trigger is not null) node.Trigger.Heredocs = heredocs;
            }

            node.StartLine = startLine;
            node.EndLine = current;
            if (node.Trigger is not null)
            {
                node.Trigger.StartLine = startLine;
                node.Trigger.EndLine = current;
            }
            instructions.Add(node);
        }

        if (instructions.Count == 0) throw new SyntaxError("file with no instructions", Math.Max(current, 1));
        return new LexResult(directives, escape, instructions);
    }

    /// <summary>Lines with their line endings ("\n" or "\r\n"); a last line without one counts.</summary>
    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int newline = text.IndexOf('\n', start);
            int end = newline < 0 ? text.Length : newline + 1;
            lines.Add(text[start..end]);
            start = end;
        }
        return lines;
    }

    private static string TrimNewline(string s) => s.TrimEnd('\r', '\n');

    private static bool IsComment(string s)
    {
        var trimmed = s.AsSpan().TrimStart();
        return trimmed.Length > 0 && trimmed[0] == '#';
    }

    /// <summary>
    /// Removes a final escape character (and blanks after it), unless it is itself escaped:
    /// ([^\\])\\[ \t]*$|^\\[ \t]*$. True when the line does not continue.
    /// </summary>
    private static (string Line, bool EndOfLine) TrimContinuation(string line, char escape)
    {
        int end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t') end--;
        if (end == 0 || line[end - 1] != escape) return (line, true);
        int at = end - 1;
        if (at == 0) return ("", false);
        if (line[at - 1] == escape) return (line, true);
        return (line[..at], false);
    }

    private static bool CanContainHeredoc(RawInstruction node)
    {
        if (node.Keyword.Equals("onbuild", StringComparison.OrdinalIgnoreCase) && node.Trigger is not null) node = node.Trigger;
        return node.Keyword.ToLowerInvariant() is "add" or "copy" or "run" && !node.Json;
    }
}
