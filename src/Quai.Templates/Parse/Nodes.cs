using System.Text;

namespace Quai.Templates.Parse;

/// <summary>The parse tree of a template, node for node as Go's text/template/parse has it; <see cref="ToString"/>
/// prints a node as Go does in its error context (<c>&lt;.State.Health.Status&gt;</c>).</summary>
public abstract record Node(int Pos);

public sealed record ListNode(int Pos, List<Node> Nodes) : Node(Pos)
{
    public override string ToString() => string.Concat(Nodes);
}

public sealed record TextNode(int Pos, string Text) : Node(Pos)
{
    public override string ToString() => Text;
}

public sealed record ActionNode(int Pos, PipeNode Pipe) : Node(Pos)
{
    public override string ToString() => "{{" + Pipe + "}}";
}

public enum BranchKind { If, Range, With }

/// <summary><c>if</c>, <c>range</c>, <c>with</c>: a pipeline, a list, and an optional else list.</summary>
public sealed record BranchNode(int Pos, BranchKind Kind, PipeNode Pipe, ListNode List, ListNode? ElseList) : Node(Pos)
{
    public override string ToString()
    {
        var name = Kind.ToString().ToLowerInvariant();
        return ElseList is null ? $"{{{{{name} {Pipe}}}}}{List}{{{{end}}}}" : $"{{{{{name} {Pipe}}}}}{List}{{{{else}}}}{ElseList}{{{{end}}}}";
    }
}

public sealed record BreakNode(int Pos) : Node(Pos)
{
    public override string ToString() => "{{break}}";
}

public sealed record ContinueNode(int Pos) : Node(Pos)
{
    public override string ToString() => "{{continue}}";
}

public sealed record TemplateNode(int Pos, string Name, PipeNode? Pipe) : Node(Pos)
{
    public override string ToString() => Pipe is null ? $"{{{{template \"{Name}\"}}}}" : $"{{{{template \"{Name}\" {Pipe}}}}}";
}

/// <summary>A pipeline: optional variable declarations (<c>$x :=</c>, <c>$i, $v :=</c>) or assignment, and commands
/// joined by <c>|</c>.</summary>
public sealed record PipeNode(int Pos, List<string> Decl, bool IsAssign, List<CommandNode> Cmds) : Node(Pos)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Decl.Count > 0) sb.Append(string.Join(", ", Decl)).Append(IsAssign ? " = " : " := ");
        sb.Append(string.Join(" | ", Cmds));
        return sb.ToString();
    }
}

public sealed record CommandNode(int Pos, List<Node> Args) : Node(Pos)
{
    public override string ToString() => string.Join(" ", Args.Select(a => a is PipeNode ? "(" + a + ")" : a.ToString()));
}

/// <summary><c>.A.B</c>: a field chain on dot.</summary>
public sealed record FieldNode(int Pos, string[] Ident) : Node(Pos)
{
    public override string ToString() => string.Concat(Ident.Select(i => "." + i));
}

/// <summary><c>$x.A.B</c> (<c>$</c> alone is the data passed to Execute).</summary>
public sealed record VariableNode(int Pos, string[] Ident) : Node(Pos)
{
    public override string ToString() => string.Join(".", Ident);
}

/// <summary>A field chain on another term: <c>(index .A 0).B</c>.</summary>
public sealed record ChainNode(int Pos, Node Node, string[] Field) : Node(Pos)
{
    public override string ToString() => (Node is PipeNode ? "(" + Node + ")" : Node.ToString()) + string.Concat(Field.Select(f => "." + f));
}

public sealed record IdentifierNode(int Pos, string Name) : Node(Pos)
{
    public override string ToString() => Name;
}

public sealed record DotNode(int Pos) : Node(Pos)
{
    public override string ToString() => ".";
}

public sealed record NilNode(int Pos) : Node(Pos)
{
    public override string ToString() => "nil";
}

public sealed record BoolNode(int Pos, bool Value) : Node(Pos)
{
    public override string ToString() => Value ? "true" : "false";
}

/// <summary>A number constant: Go keeps it untyped; an integer literal becomes <c>int</c>, one with a point or
/// exponent <c>float64</c>; a character constant (<c>'a'</c>) is an int too.</summary>
public sealed record NumberNode(int Pos, string Text, object Value) : Node(Pos)
{
    public override string ToString() => Text;
}

public sealed record StringNode(int Pos, string Quoted, string Text) : Node(Pos)
{
    public override string ToString() => Quoted;
}
