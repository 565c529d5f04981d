using System.Text;
using Quai.Templates.Formatting;
using Quai.Templates.Parse;
using Quai.Templates.Values;

namespace Quai.Templates.Exec;

/// <summary>Walks a parsed template over a value with Go's text/template semantics: truthiness, variable scopes,
/// <c>range</c> over slices, maps (sorted keys) and ints, short-circuit <c>and</c>/<c>or</c>, field and method lookup,
/// and Go's error messages.</summary>
internal sealed class Executor
{
    private const int MaxDepth = 1000;
    private readonly Template _template;
    private readonly StringBuilder _out;
    private readonly bool _missingKeyError;
    private List<(string Name, object? Value)> _vars;
    private string _name;
    private string _text;
    private Node? _at;
    private int _depth;

    private enum Flow { Normal, Break, Continue }

    /// <summary>No final value from an earlier pipeline stage (Go's <c>missingVal</c>).</summary>
    private sealed class NoFinal { public static readonly NoFinal Value = new(); }

    public Executor(Template template, StringBuilder output, object? data, bool missingKeyError)
    {
        _template = template;
        _out = output;
        _missingKeyError = missingKeyError;
        _vars = [("$", data)];
        _name = template.Name;
        _text = template.Text;
    }

    public void Run(ListNode root, object? dot) => Walk(dot, root);

    private Exception Fail(string msg)
    {
        if (_at is null) return new TemplateException($"template: {_name}: {msg}", false);
        int pos = Math.Min(_at.Pos, _text.Length);
        var before = _text[..pos];
        int nl = before.LastIndexOf('\n');
        int line = 1 + before.Count(c => c == '\n');
        int col = nl < 0 ? pos : pos - nl - 1;
        var context = _at.ToString();
        return new TemplateException($"template: {_name}:{line}:{col}: executing \"{_name}\" at <{context}>: {msg}", false);
    }

    private Flow Walk(object? dot, Node node)
    {
        switch (node)
        {
            case ActionNode a:
                var val = EvalPipeline(dot, a.Pipe);
                if (a.Pipe.Decl.Count == 0) PrintValue(a, val);
                return Flow.Normal;
            case BreakNode: return Flow.Break;
            case ContinueNode: return Flow.Continue;
            case ListNode l:
                foreach (var n in l.Nodes)
                {
                    var f = Walk(dot, n);
                    if (f != Flow.Normal) return f;
                }
                return Flow.Normal;
            case TextNode t:
                _out.Append(t.Text);
                return Flow.Normal;
            case BranchNode { Kind: BranchKind.Range } r: return WalkRange(dot, r);
            case BranchNode b: return WalkIfOrWith(dot, b);
            case TemplateNode t: WalkTemplate(dot, t); return Flow.Normal;
            default: throw Fail($"unknown node: {node}");
        }
    }

    private int Mark() => _vars.Count;
    private void Pop(int mark) => _vars.RemoveRange(mark, _vars.Count - mark);

    private Flow WalkIfOrWith(object? dot, BranchNode b)
    {
        int mark = Mark();
        try
        {
            var val = EvalPipeline(dot, b.Pipe);
            if (Truth.IsTrue(val)) return Walk(b.Kind == BranchKind.With ? val : dot, b.List);
            if (b.ElseList is not null) return Walk(dot, b.ElseList);
            return Flow.Normal;
        }
        finally { Pop(mark); }
    }

    private Flow WalkRange(object? dot, BranchNode r)
    {
        _at = r;
        int outer = Mark();
        try
        {
            var val = EvalPipeline(dot, r.Pipe);
            int mark = Mark();
            bool ran = false;
            bool One(object? index, object? elem)
            {
                ran = true;
                if (r.Pipe.Decl.Count > 0)
                {
                    if (r.Pipe.IsAssign) SetVar(r.Pipe.Decl[0], r.Pipe.Decl.Count > 1 ? index : elem);
                    else SetTopVar(1, elem);
                }
                if (r.Pipe.Decl.Count > 1)
                {
                    if (r.Pipe.IsAssign) SetVar(r.Pipe.Decl[1], elem);
                    else SetTopVar(2, index);
                }
                try { return Walk(elem, r.List) != Flow.Break; }
                finally { Pop(mark); }
            }
            switch (val)
            {
                case GoSlice s:
                    for (int i = 0; i < s.Items.Count; i++) if (!One((long)i, s.Items[i])) break;
                    break;
                case GoMap m:
                    foreach (var (k, v) in m.Entries.ToList()) if (!One(k, v)) break;
                    break;
                case long n:
                    if (r.Pipe.Decl.Count > 1) throw Fail($"can't use {n} to iterate over more than one variable");
                    for (long i = 0; i < n; i++) if (!One(i, i)) break;
                    break;
                case null or Missing:
                    break;
                default:
                    throw Fail($"range can't iterate over {GoFmt.Print(val)}");
            }
            if (!ran && r.ElseList is not null) return Walk(dot, r.ElseList);
            return Flow.Normal;
        }
        finally { Pop(outer); }
    }

    private void WalkTemplate(object? dot, TemplateNode t)
    {
        _at = t;
        if (!_template.Definitions.TryGetValue(t.Name, out var list)) throw Fail($"template \"{t.Name}\" not defined");
        if (_depth >= MaxDepth) throw Fail($"exceeded maximum template depth ({MaxDepth})");
        var newDot = t.Pipe is null ? Missing.Value : EvalPipeline(dot, t.Pipe);
        var (vars, name) = (_vars, _name);
        _vars = [("$", newDot)];
        _name = t.Name;
        _depth++;
        try { Walk(newDot, list); }
        finally { _vars = vars; _name = name; _depth--; }
    }

    private void SetVar(string name, object? value)
    {
        for (int i = _vars.Count - 1; i >= 0; i--)
            if (_vars[i].Name == name) { _vars[i] = (name, value); return; }
        throw Fail($"undefined variable: {name}");
    }

    private void SetTopVar(int n, object? value) => _vars[^n] = (_vars[^n].Name, value);

    private object? VarValue(string name)
    {
        for (int i = _vars.Count - 1; i >= 0; i--)
            if (_vars[i].Name == name) return _vars[i].Value;
        throw Fail($"undefined variable: {name}");
    }

    private void PrintValue(Node n, object? v)
    {
        _at = n;
        // Go digs a value out of an interface first: a nil interface (a JSON null, index of a missing key of a
        // map[string]interface{}) is then an invalid value, printed like a missing one.
        _out.Append(v is Missing or null ? "<no value>" : GoFmt.Print(v));
    }

    private object? EvalPipeline(object? dot, PipeNode pipe)
    {
        _at = pipe;
        object? value = NoFinal.Value;
        foreach (var cmd in pipe.Cmds) value = EvalCommand(dot, cmd, value);
        foreach (var v in pipe.Decl)
        {
            if (pipe.IsAssign) SetVar(v, value);
            else _vars.Add((v, value));
        }
        return value;
    }

    private void NotAFunction(List<Node> args, object? final)
    {
        if (args.Count > 1 || final is not NoFinal) throw Fail($"can't give argument to non-function {args[0]}");
    }

    private object? EvalCommand(object? dot, CommandNode cmd, object? final)
    {
        var first = cmd.Args[0];
        switch (first)
        {
            case FieldNode f: _at = f; return EvalFieldChain(dot, dot, f, f.Ident, cmd.Args, final);
            case ChainNode c: return EvalChain(dot, c, cmd.Args, final);
            case IdentifierNode id: return EvalFunction(dot, id, cmd, cmd.Args, final);
            case PipeNode p: NotAFunction(cmd.Args, final); return EvalPipeline(dot, p);
            case VariableNode v: return EvalVariable(dot, v, cmd.Args, final);
        }
        _at = first;
        NotAFunction(cmd.Args, final);
        return first switch
        {
            BoolNode b => b.Value,
            DotNode => dot,
            NilNode => throw Fail("nil is not a command"),
            NumberNode n => n.Value,
            StringNode s => s.Text,
            _ => throw Fail($"can't evaluate command {first}"),
        };
    }

    private object? EvalChain(object? dot, ChainNode chain, List<Node> args, object? final)
    {
        _at = chain;
        if (chain.Node is NilNode) throw Fail($"indirection through explicit nil in {chain}");
        var pipe = EvalArg(dot, chain.Node);
        return EvalFieldChain(dot, pipe, chain, chain.Field, args, final);
    }

    private object? EvalVariable(object? dot, VariableNode v, List<Node> args, object? final)
    {
        _at = v;
        var value = VarValue(v.Ident[0]);
        if (v.Ident.Length == 1) { NotAFunction(args, final); return value; }
        return EvalFieldChain(dot, value, v, v.Ident[1..], args, final);
    }

    private object? EvalFieldChain(object? dot, object? receiver, Node node, string[] ident, List<Node>? args, object? final)
    {
        bool fromInterface = false;
        for (int i = 0; i < ident.Length - 1; i++)
        {
            fromInterface = receiver is GoMap { ElementZero: null } || receiver is GoSlice { TypeName: "[]interface {}" };
            receiver = EvalField(dot, ident[i], node, null, NoFinal.Value, receiver, false);
        }
        if (ident.Length > 1) fromInterface = receiver is not Missing && fromInterface;
        return EvalField(dot, ident[^1], node, args, final, receiver, fromInterface);
    }

    private object? EvalField(object? dot, string field, Node node, List<Node>? args, object? final, object? receiver, bool fromInterface)
    {
        if (receiver is Missing)
        {
            if (_missingKeyError) throw Fail($"nil data; no entry for key \"{field}\"");
            return Missing.Value;
        }
        bool hasArgs = (args?.Count ?? 0) > 1 || final is not NoFinal;
        switch (receiver)
        {
            case null: throw Fail($"nil pointer evaluating interface {{}}.{field}");
            case NilPointer np: throw Fail($"nil pointer evaluating {np.TypeName}.{field}");
            case GoStruct s:
                if (s.TryGetMethod(field, out var method))
                {
                    var argv = new List<object?>();
                    if (args is not null) for (int i = 1; i < args.Count; i++) argv.Add(EvalArg(dot, args[i]));
                    if (final is not NoFinal) argv.Add(final);
                    _at = node;
                    try { return method(argv.Select(a => a is Missing ? null : a).ToArray()); }
                    catch (ArgumentTypeException e) { throw Fail(e.Message); }
                    catch (FunctionException e) { throw Fail($"error calling {field}: {e.Message}"); }
                }
                if (s.TryGetField(field, out var value))
                {
                    if (hasArgs) throw Fail($"{field} has arguments but cannot be invoked as function");
                    return value;
                }
                break;
            case GoMap m:
                if (hasArgs) throw Fail($"{field} is not a method but has arguments");
                if (m.Entries.TryGetValue(field, out var v)) return v;
                if (_missingKeyError) throw Fail($"map has no entry for key \"{field}\"");
                return Missing.Value;
        }
        throw Fail($"can't evaluate field {field} in type {(fromInterface ? "interface {}" : GoTypes.Name(receiver))}");
    }

    private object? EvalFunction(object? dot, IdentifierNode id, CommandNode cmd, List<Node> args, object? final)
    {
        _at = id;
        var name = id.Name;
        if (!_template.Functions.TryGetValue(name, out var def)) throw Fail($"\"{name}\" is not a defined function");
        int numIn = args.Count - 1 + (final is NoFinal ? 0 : 1);
        if (def.MaxArgs < 0 ? numIn < def.MinArgs : numIn < def.MinArgs || numIn > def.MaxArgs)
        {
            if (def.MaxArgs < 0) throw Fail($"wrong number of args for {name}: want at least {def.MinArgs} got {numIn}");
            throw Fail($"wrong number of args for {name}: want {def.MinArgs} got {numIn}");
        }
        if (name is "and" or "or" && _template.IsBuiltin(name))
        {
            object? v = null;
            for (int i = 1; i < args.Count; i++)
            {
                v = EvalArg(dot, args[i]);
                if (Truth.IsTrue(v) == (name == "or")) return v;
            }
            if (final is not NoFinal) v = final;
            return v;
        }
        var argv = new object?[numIn];
        for (int i = 1; i < args.Count; i++)
        {
            argv[i - 1] = EvalArg(dot, args[i]);
            _at = args[i];
            Check(def, i - 1, argv[i - 1]);
        }
        if (final is not NoFinal) { argv[^1] = final; Check(def, numIn - 1, final); }
        _at = cmd;
        try { return def.Call(argv); }
        catch (ArgumentTypeException e) { throw Fail(e.Message); }
        catch (FunctionException e) { throw Fail($"error calling {name}: {e.Message}"); }
    }

    private void Check(FunctionDef def, int i, object? v)
    {
        if (def.Params is not { Length: > 0 } p) return;
        try { Args.Check(p[Math.Min(i, p.Length - 1)], v); }
        catch (ArgumentTypeException e) { throw Fail(e.Message); }
    }

    private object? EvalArg(object? dot, Node n)
    {
        _at = n;
        switch (n)
        {
            case DotNode: return dot;
            case NilNode: return null;
            case FieldNode f: return EvalFieldChain(dot, dot, f, f.Ident, [n], NoFinal.Value);
            case VariableNode v: return EvalVariable(dot, v, [n], NoFinal.Value);
            case PipeNode p: return EvalPipeline(dot, p);
            case IdentifierNode id: return EvalFunction(dot, id, new CommandNode(id.Pos, [id]), [id], NoFinal.Value);
            case ChainNode c: return EvalChain(dot, c, [n], NoFinal.Value);
            case BoolNode b: return b.Value;
            case NumberNode num: return num.Value;
            case StringNode s: return s.Text;
        }
        throw Fail($"can't handle {n} for arg");
    }
}
