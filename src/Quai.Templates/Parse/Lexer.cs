namespace Quai.Templates.Parse;

public enum ItemKind
{
    Text, LeftDelim, RightDelim, Space, Field, Identifier, Variable, Dot, String, RawString, Char, Number, Bool, Nil,
    Pipe, LeftParen, RightParen, Declare, Assign, Comma, Eof,
    Block, Break, Continue, Define, Else, End, If, Range, Template, With,
}

public readonly record struct Item(ItemKind Kind, int Pos, string Value)
{
    /// <summary>How Go's parse errors quote an item.</summary>
    public override string ToString() => Kind switch
    {
        ItemKind.Eof => "EOF",
        >= ItemKind.Block => "<" + Value + ">",
        _ => Value.Length > 10 ? "\"" + Value[..10] + "\"..." : "\"" + Value + "\"",
    };
}

/// <summary>Go's text/template lexer for the <c>{{ }}</c> delimiters: trim markers (<c>{{- </c>, <c> -}}</c>), comments
/// (<c>{{/* */}}</c>), newlines inside actions, Go's literals.</summary>
public sealed class Lexer
{
    private readonly string _s;
    private readonly List<Item> _items = [];
    private int _pos;

    private Lexer(string s) { _s = s; }

    public static List<Item> Lex(string text)
    {
        var l = new Lexer(text);
        l.Run();
        return l._items;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private void Run()
    {
        while (true)
        {
            int open = _s.IndexOf("{{", _pos, StringComparison.Ordinal);
            if (open < 0)
            {
                if (_pos < _s.Length) _items.Add(new Item(ItemKind.Text, _pos, _s[_pos..]));
                _items.Add(new Item(ItemKind.Eof, _s.Length, ""));
                return;
            }
            int after = open + 2;
            bool trimLeft = after + 1 < _s.Length && _s[after] == '-' && IsSpace(_s[after + 1]);
            int textEnd = open;
            if (trimLeft) while (textEnd > _pos && IsSpace(_s[textEnd - 1])) textEnd--;
            if (textEnd > _pos) _items.Add(new Item(ItemKind.Text, _pos, _s[_pos..textEnd]));
            _pos = trimLeft ? after + 2 : after;
            int p = _pos;
            while (trimLeft && p < _s.Length && IsSpace(_s[p])) p++;
            if (_s.AsSpan(trimLeft ? p : _pos).StartsWith("/*"))
            {
                int cstart = trimLeft ? p : _pos;
                int cend = _s.IndexOf("*/", cstart + 2, StringComparison.Ordinal);
                if (cend < 0) throw Error(open, "unclosed comment");
                _pos = cend + 2;
                if (!AtRightDelim(out bool trimRight, out int len)) throw Error(open, "comment ends before closing delimiter");
                _pos += len;
                if (trimRight) SkipSpace();
                continue;
            }
            _items.Add(new Item(ItemKind.LeftDelim, open, "{{"));
            LexInsideAction(open);
        }
    }

    private void SkipSpace() { while (_pos < _s.Length && IsSpace(_s[_pos])) _pos++; }

    private bool AtRightDelim(out bool trim, out int len)
    {
        trim = false; len = 0;
        if (_pos < _s.Length && IsSpace(_s[_pos]))
        {
            int q = _pos;
            while (q < _s.Length && IsSpace(_s[q])) q++;
            if (_s.AsSpan(q).StartsWith("-}}")) { trim = true; len = q + 3 - _pos; return true; }
        }
        if (_s.AsSpan(_pos).StartsWith("}}")) { len = 2; return true; }
        return false;
    }

    private Exception Error(int pos, string msg) => new TemplateParseException(pos, msg);

    private void LexInsideAction(int open)
    {
        int parens = 0;
        while (true)
        {
            if (AtRightDelim(out bool trim, out int len))
            {
                if (parens > 0) throw Error(_pos, "unclosed left paren");
                parens = 0;
                _items.Add(new Item(ItemKind.RightDelim, _pos, "}}"));
                _pos += len;
                if (trim) SkipSpace();
                return;
            }
            if (_pos >= _s.Length) throw Error(open, "unclosed action");
            char c = _s[_pos];
            int start = _pos;
            if (IsSpace(c))
            {
                while (_pos < _s.Length && IsSpace(_s[_pos])) _pos++;
                _items.Add(new Item(ItemKind.Space, start, _s[start.._pos]));
                continue;
            }
            switch (c)
            {
                case '=': _pos++; Add(ItemKind.Assign, start); continue;
                case ':':
                    if (_pos + 1 < _s.Length && _s[_pos + 1] == '=') { _pos += 2; Add(ItemKind.Declare, start); continue; }
                    throw Error(start, "expected :=");
                case '|': _pos++; Add(ItemKind.Pipe, start); continue;
                case ',': _pos++; Add(ItemKind.Comma, start); continue;
                case '(': _pos++; parens++; Add(ItemKind.LeftParen, start); continue;
                case ')':
                    _pos++;
                    parens--;
                    Add(ItemKind.RightParen, start); continue;
                case '"': LexQuote(start); continue;
                case '`':
                    int end = _s.IndexOf('`', _pos + 1);
                    if (end < 0) throw Error(start, "unterminated raw quoted string");
                    _pos = end + 1;
                    Add(ItemKind.RawString, start); continue;
                case '\'': LexChar(start); continue;
                case '$':
                    _pos++;
                    while (_pos < _s.Length && IsAlnum(_s[_pos])) _pos++;
                    Add(ItemKind.Variable, start); continue;
                case '.':
                    if (_pos + 1 < _s.Length && char.IsAsciiDigit(_s[_pos + 1])) { LexNumber(start); continue; }
                    _pos++;
                    if (_pos < _s.Length && IsAlnum(_s[_pos]))
                    {
                        while (_pos < _s.Length && IsAlnum(_s[_pos])) _pos++;
                        Add(ItemKind.Field, start);
                    }
                    else Add(ItemKind.Dot, start);
                    continue;
            }
            if (char.IsAsciiDigit(c) || ((c is '+' or '-') && _pos + 1 < _s.Length && (char.IsAsciiDigit(_s[_pos + 1]) || _s[_pos + 1] == '.')))
            {
                LexNumber(start);
                continue;
            }
            if (IsAlnum(c))
            {
                while (_pos < _s.Length && IsAlnum(_s[_pos])) _pos++;
                var word = _s[start.._pos];
                var kind = word switch
                {
                    "block" => ItemKind.Block, "break" => ItemKind.Break, "continue" => ItemKind.Continue, "define" => ItemKind.Define,
                    "else" => ItemKind.Else, "end" => ItemKind.End, "if" => ItemKind.If, "range" => ItemKind.Range,
                    "template" => ItemKind.Template, "with" => ItemKind.With, "true" or "false" => ItemKind.Bool, "nil" => ItemKind.Nil,
                    _ => ItemKind.Identifier,
                };
                Add(kind, start);
                continue;
            }
            throw Error(start, $"unrecognized character in action: U+{(int)c:X4} '{c}'");
        }
    }

    private static bool IsAlnum(char c) => c == '_' || char.IsLetterOrDigit(c);

    private void Add(ItemKind k, int start) => _items.Add(new Item(k, start, _s[start.._pos]));

    private void LexQuote(int start)
    {
        _pos++;
        while (true)
        {
            if (_pos >= _s.Length || _s[_pos] == '\n') throw Error(start, "unterminated quoted string");
            var c = _s[_pos++];
            if (c == '\\') { if (_pos >= _s.Length) throw Error(start, "unterminated quoted string"); _pos++; continue; }
            if (c == '"') break;
        }
        Add(ItemKind.String, start);
    }

    private void LexChar(int start)
    {
        _pos++;
        while (true)
        {
            if (_pos >= _s.Length || _s[_pos] == '\n') throw Error(start, "unterminated character constant");
            var c = _s[_pos++];
            if (c == '\\') { _pos++; continue; }
            if (c == '\'') break;
        }
        Add(ItemKind.Char, start);
    }

    private void LexNumber(int start)
    {
        if (_s[_pos] is '+' or '-') _pos++;
        string digits = "0123456789_";
        if (_pos + 1 < _s.Length && _s[_pos] == '0' && _s[_pos + 1] is 'x' or 'X') { _pos += 2; digits = "0123456789abcdefABCDEF_"; }
        else if (_pos + 1 < _s.Length && _s[_pos] == '0' && _s[_pos + 1] is 'o' or 'O') { _pos += 2; digits = "01234567_"; }
        else if (_pos + 1 < _s.Length && _s[_pos] == '0' && _s[_pos + 1] is 'b' or 'B') { _pos += 2; digits = "01_"; }
        while (_pos < _s.Length && digits.Contains(_s[_pos])) _pos++;
        if (_pos < _s.Length && _s[_pos] == '.') { _pos++; while (_pos < _s.Length && digits.Contains(_s[_pos])) _pos++; }
        if (digits.Length == 11 && _pos < _s.Length && _s[_pos] is 'e' or 'E')
        {
            _pos++;
            if (_pos < _s.Length && _s[_pos] is '+' or '-') _pos++;
            while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) _pos++;
        }
        if (_pos < _s.Length && IsAlnum(_s[_pos])) { _pos++; throw Error(start, $"bad number syntax: \"{_s[start.._pos]}\""); }
        Add(ItemKind.Number, start);
    }
}

/// <summary>A template that does not parse; <see cref="Pos"/> is the byte offset in the template text.</summary>
public sealed class TemplateParseException(int pos, string message) : Exception(message)
{
    public int Pos { get; } = pos;
}
