using System.Globalization;
using System.Text;

namespace Quai.Templates.Parse;

/// <summary>Go's text/template grammar: text and actions, <c>if</c>/<c>else if</c>/<c>else with</c>, <c>range</c> (with
/// <c>$i, $v :=</c>, <c>else</c>, <c>break</c>, <c>continue</c>), <c>with</c>, <c>define</c>/<c>template</c>/<c>block</c>,
/// pipelines, variables, parenthesised pipelines and field chains on them. Functions and variables are checked at
/// parse time, as Go does.</summary>
public sealed class Parser
{
    private readonly List<Item> _items;
    private readonly Func<string, bool> _hasFunction;
    private readonly List<string> _vars = ["$"];
    private int _i;
    private int _rangeDepth;

    public Dictionary<string, ListNode> Definitions { get; } = new(StringComparer.Ordinal);

    private Parser(List<Item> items, Func<string, bool> hasFunction)
    {
        _items = items;
        _hasFunction = hasFunction;
    }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="TemplateParseException"/> with Go's message.</summary>
    public static (ListNode Root, Dictionary<string, ListNode> Definitions) Parse(string text, Func<string, bool> hasFunction)
    {
        var p = new Parser(Lexer.Lex(text), hasFunction);
        var root = p.ParseRoot();
        return (root, p.Definitions);
    }

    private Item Next() => _items[Math.Min(_i++, _items.Count - 1)];
    private Item Peek() => _items[Math.Min(_i, _items.Count - 1)];
    private void Backup(int n = 1) => _i -= n;

    private Item NextNonSpace()
    {
        Item t;
        do t = Next(); while (t.Kind == ItemKind.Space);
        return t;
    }

    private Item PeekNonSpace()
    {
        var t = NextNonSpace();
        Backup();
        return t;
    }

    private Exception Error(string msg) => new TemplateParseException(_items[Math.Clamp(_i - 1, 0, _items.Count - 1)].Pos, msg);
    private Exception Unexpected(Item t, string context) => Error($"unexpected {t} in {context}");

    private ListNode ParseRoot()
    {
        var root = new ListNode(0, []);
        while (Peek().Kind != ItemKind.Eof)
        {
            if (Peek().Kind == ItemKind.LeftDelim)
            {
                Next();
                if (NextNonSpace().Kind == ItemKind.Define)
                {
                    ParseDefinition();
                    continue;
                }
                _i = _items.FindLastIndex(_i - 1, it => it.Kind == ItemKind.LeftDelim);
            }
            var n = TextOrAction();
            if (n is EndMarker or ElseMarker) throw Error($"unexpected {n}");
            root.Nodes.Add(n);
        }
        return root;
    }

    private sealed record EndMarker(int Pos) : Node(Pos) { public override string ToString() => "{{end}}"; }
    private sealed record ElseMarker(int Pos, ItemKind Chain) : Node(Pos) { public override string ToString() => "{{else}}"; }

    private void ParseDefinition()
    {
        var name = NextNonSpace();
        if (name.Kind is not (ItemKind.String or ItemKind.RawString)) throw Unexpected(name, "define clause");
        var close = NextNonSpace();
        if (close.Kind != ItemKind.RightDelim) throw Unexpected(close, "define clause");
        var (list, end) = ItemList();
        if (end is not EndMarker) throw Error($"unexpected {end} in end");
        Definitions[Unquote(name)] = list;
    }

    private (ListNode List, Node End) ItemList()
    {
        var list = new ListNode(Peek().Pos, []);
        while (Peek().Kind != ItemKind.Eof)
        {
            var n = TextOrAction();
            if (n is EndMarker or ElseMarker) return (list, n);
            list.Nodes.Add(n);
        }
        throw Error("unexpected EOF");
    }

    private Node TextOrAction()
    {
        var t = NextNonSpace();
        return t.Kind switch
        {
            ItemKind.Text => new TextNode(t.Pos, t.Value),
            ItemKind.LeftDelim => Action(),
            _ => throw Unexpected(t, "input"),
        };
    }

    private Node Action()
    {
        var t = NextNonSpace();
        switch (t.Kind)
        {
            case ItemKind.Block: return BlockControl(t);
            case ItemKind.Break: return LoopControl(t, brk: true);
            case ItemKind.Continue: return LoopControl(t, brk: false);
            case ItemKind.Else:
                var peek = PeekNonSpace();
                if (peek.Kind is ItemKind.If or ItemKind.With) { NextNonSpace(); return new ElseMarker(t.Pos, peek.Kind); }
                ExpectClose("else");
                return new ElseMarker(t.Pos, ItemKind.Else);
            case ItemKind.End:
                ExpectClose("end");
                return new EndMarker(t.Pos);
            case ItemKind.If: return Control(t, BranchKind.If);
            case ItemKind.Range: return Control(t, BranchKind.Range);
            case ItemKind.With: return Control(t, BranchKind.With);
            case ItemKind.Template: return TemplateControl(t);
        }
        Backup();
        var start = Peek().Pos;
        return new ActionNode(start, Pipeline("command", ItemKind.RightDelim));
    }

    private void ExpectClose(string context)
    {
        var t = NextNonSpace();
        if (t.Kind != ItemKind.RightDelim) throw Unexpected(t, context);
    }

    private Node LoopControl(Item t, bool brk)
    {
        var close = NextNonSpace();
        if (close.Kind != ItemKind.RightDelim) throw Unexpected(close, brk ? "{{break}}" : "{{continue}}");
        if (_rangeDepth == 0) throw Error(brk ? "{{break}} outside {{range}}" : "{{continue}} outside {{range}}");
        return brk ? new BreakNode(t.Pos) : new ContinueNode(t.Pos);
    }

    private Node Control(Item t, BranchKind kind)
    {
        int mark = _vars.Count;
        try
        {
            var ctx = kind.ToString().ToLowerInvariant();
            var pipe = Pipeline(ctx, ItemKind.RightDelim);
            if (kind == BranchKind.Range) _rangeDepth++;
            var (list, end) = ItemList();
            if (kind == BranchKind.Range) _rangeDepth--;
            ListNode? elseList = null;
            if (end is ElseMarker em)
            {
                if (em.Chain is ItemKind.If or ItemKind.With)
                {
                    // {{else if x}} … is {{else}}{{if x}} … {{end}}{{end}}: the inner control takes the final {{end}}.
                    var inner = Control(new Item(em.Chain, em.Pos, ""), em.Chain == ItemKind.If ? BranchKind.If : BranchKind.With);
                    elseList = new ListNode(em.Pos, [inner]);
                }
                else
                {
                    (elseList, end) = ItemList();
                    if (end is not EndMarker) throw Error("expected end; found {{else}}");
                }
            }
            return new BranchNode(t.Pos, kind, pipe, list, elseList);
        }
        finally { _vars.RemoveRange(mark, _vars.Count - mark); }
    }

    private Node TemplateControl(Item t)
    {
        var name = NextNonSpace();
        if (name.Kind is not (ItemKind.String or ItemKind.RawString)) throw Unexpected(name, "template clause");
        PipeNode? pipe = null;
        if (NextNonSpace().Kind != ItemKind.RightDelim)
        {
            Backup();
            pipe = Pipeline("template clause", ItemKind.RightDelim);
        }
        return new TemplateNode(name.Pos, Unquote(name), pipe);
    }

    private Node BlockControl(Item t)
    {
        var name = NextNonSpace();
        if (name.Kind is not (ItemKind.String or ItemKind.RawString)) throw Unexpected(name, "block clause");
        PipeNode? pipe = null;
        if (NextNonSpace().Kind != ItemKind.RightDelim)
        {
            Backup();
            pipe = Pipeline("block clause", ItemKind.RightDelim);
        }
        var (list, end) = ItemList();
        if (end is not EndMarker) throw Error("unexpected {{else}} in block clause");
        Definitions[Unquote(name)] = list;
        return new TemplateNode(t.Pos, Unquote(name), pipe);
    }

    private PipeNode Pipeline(string context, ItemKind end)
    {
        var pipe = new PipeNode(PeekNonSpace().Pos, [], false, []);
    decls:
        if (PeekNonSpace() is { Kind: ItemKind.Variable } v)
        {
            NextNonSpace();
            var after = Peek();
            var next = PeekNonSpace();
            if (next.Kind is ItemKind.Assign or ItemKind.Declare)
            {
                pipe = pipe with { IsAssign = next.Kind == ItemKind.Assign };
                NextNonSpace();
                pipe.Decl.Add(v.Value);
                if (next.Kind == ItemKind.Declare) _vars.Add(v.Value);
                else if (!_vars.Contains(v.Value)) throw Error($"undefined variable \"{v.Value}\"");
            }
            else if (next.Kind == ItemKind.Comma)
            {
                NextNonSpace();
                pipe.Decl.Add(v.Value);
                _vars.Add(v.Value);
                if (context == "range" && pipe.Decl.Count < 2)
                {
                    if (PeekNonSpace().Kind is ItemKind.Variable or ItemKind.RightDelim or ItemKind.RightParen) goto decls;
                    throw Error("range can only initialize variables");
                }
                throw Error($"too many declarations in {context}");
            }
            else if (after.Kind == ItemKind.Space) Backup(2);
            else Backup();
        }
        while (true)
        {
            var t = NextNonSpace();
            if (t.Kind == end)
            {
                if (pipe.Cmds.Count == 0) throw Error($"missing value for {context}");
                for (int i = 1; i < pipe.Cmds.Count; i++)
                    if (pipe.Cmds[i].Args[0] is BoolNode or DotNode or NilNode or NumberNode or StringNode)
                        throw Error($"non executable command in pipeline stage {i + 1}");
                return pipe;
            }
            switch (t.Kind)
            {
                case ItemKind.Bool or ItemKind.Char or ItemKind.Dot or ItemKind.Field or ItemKind.Identifier or ItemKind.Number
                    or ItemKind.Nil or ItemKind.RawString or ItemKind.String or ItemKind.Variable or ItemKind.LeftParen:
                    Backup();
                    pipe.Cmds.Add(Command());
                    break;
                default:
                    throw Unexpected(t, context);
            }
        }
    }

    private CommandNode Command()
    {
        var cmd = new CommandNode(PeekNonSpace().Pos, []);
        while (true)
        {
            PeekNonSpace();
            var operand = Operand();
            if (operand is not null) cmd.Args.Add(operand);
            var t = Next();
            if (t.Kind == ItemKind.Space) continue;
            if (t.Kind is ItemKind.RightDelim or ItemKind.RightParen) Backup();
            else if (t.Kind != ItemKind.Pipe) throw Unexpected(t, "operand");
            break;
        }
        if (cmd.Args.Count == 0) throw Error("empty command");
        return cmd;
    }

    private Node? Operand()
    {
        var node = Term();
        if (node is null) return null;
        if (Peek().Kind == ItemKind.Field)
        {
            int pos = Peek().Pos;
            var fields = new List<string>();
            while (Peek().Kind == ItemKind.Field) fields.Add(Next().Value[1..]);
            node = node switch
            {
                FieldNode f => new FieldNode(pos, [.. f.Ident, .. fields]),
                VariableNode v => new VariableNode(pos, [.. v.Ident, .. fields]),
                BoolNode or StringNode or NumberNode or NilNode or DotNode => throw Error($"unexpected . after term \"{node}\""),
                _ => new ChainNode(pos, node, [.. fields]),
            };
        }
        return node;
    }

    private Node? Term()
    {
        var t = NextNonSpace();
        switch (t.Kind)
        {
            case ItemKind.Identifier:
                if (!_hasFunction(t.Value)) throw Error($"function \"{t.Value}\" not defined");
                return new IdentifierNode(t.Pos, t.Value);
            case ItemKind.Dot: return new DotNode(t.Pos);
            case ItemKind.Nil: return new NilNode(t.Pos);
            case ItemKind.Variable:
                if (!_vars.Contains(t.Value)) throw Error($"undefined variable \"{t.Value}\"");
                return new VariableNode(t.Pos, [t.Value]);
            case ItemKind.Field: return new FieldNode(t.Pos, [t.Value[1..]]);
            case ItemKind.Bool: return new BoolNode(t.Pos, t.Value == "true");
            case ItemKind.Number or ItemKind.Char: return Number(t);
            case ItemKind.LeftParen: return Pipeline("parenthesized pipeline", ItemKind.RightParen);
            case ItemKind.String or ItemKind.RawString: return new StringNode(t.Pos, t.Value, Unquote(t));
        }
        Backup();
        return null;
    }

    private NumberNode Number(Item t)
    {
        var s = t.Value;
        if (t.Kind == ItemKind.Char) return new NumberNode(t.Pos, s, (long)char.ConvertToUtf32(UnquoteGo(s[1..^1], '\'', t), 0));
        var clean = s.Replace("_", "");
        bool neg = clean.StartsWith('-');
        var body = clean.TrimStart('+', '-');
        try
        {
            if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                return Int(t, Convert.ToUInt64(body[2..], 16), neg);
            if (body.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
                return Int(t, Convert.ToUInt64(body[2..], 8), neg);
            if (body.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
                return Int(t, Convert.ToUInt64(body[2..], 2), neg);
            if (body.IndexOfAny(['.', 'e', 'E']) >= 0)
                return new NumberNode(t.Pos, s, double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture));
            if (body.Length > 1 && body[0] == '0') return Int(t, Convert.ToUInt64(body, 8), neg);
            return Int(t, ulong.Parse(body, CultureInfo.InvariantCulture), neg);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error($"illegal number syntax: \"{s}\"");
        }
    }

    private NumberNode Int(Item t, ulong mag, bool neg)
    {
        if (neg) return mag <= 1UL << 63 ? new NumberNode(t.Pos, t.Value, unchecked(-(long)mag)) : throw Error($"illegal number syntax: \"{t.Value}\"");
        return mag <= long.MaxValue ? new NumberNode(t.Pos, t.Value, (long)mag) : new NumberNode(t.Pos, t.Value, mag);
    }

    private string Unquote(Item t) => t.Kind == ItemKind.RawString ? t.Value[1..^1].Replace("\r", "") : UnquoteGo(t.Value[1..^1], '"', t);

    /// <summary><c>strconv.Unquote</c>'s escapes.</summary>
    private string UnquoteGo(string s, char quote, Item t)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= s.Length) throw Error("invalid syntax");
            c = s[i];
            switch (c)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '\'' or '"':
                    if (c != quote) throw Error($"invalid syntax");
                    sb.Append(c); break;
                case 'x': sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 2), 16)); i += 2; break;
                case 'u': sb.Append(char.ConvertFromUtf32(Convert.ToInt32(s.Substring(i + 1, 4), 16))); i += 4; break;
                case 'U': sb.Append(char.ConvertFromUtf32(Convert.ToInt32(s.Substring(i + 1, 8), 16))); i += 8; break;
                case >= '0' and <= '7': sb.Append((char)Convert.ToInt32(s.Substring(i, 3), 8)); i += 2; break;
                default: throw Error("invalid syntax");
            }
        }
        return sb.ToString();
    }
}
