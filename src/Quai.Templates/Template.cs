using System.Text;
using Quai.Templates.Docker;
using Quai.Templates.Exec;
using Quai.Templates.Parse;

namespace Quai.Templates;

/// <summary>A parsed Go text/template. <see cref="Parse"/> with Docker's functions (the default) gives what
/// docker-cli's <c>templates.Parse</c> gives; <see cref="Execute"/> walks it over a value of <see cref="Values"/>.</summary>
public sealed class Template
{
    private readonly ListNode _root;
    private readonly HashSet<string> _builtins;

    public string Name { get; }
    public string Text { get; }
    public IReadOnlyDictionary<string, FunctionDef> Functions { get; }
    public IReadOnlyDictionary<string, ListNode> Definitions { get; }

    private Template(string name, string text, ListNode root, Dictionary<string, ListNode> defs, IReadOnlyDictionary<string, FunctionDef> funcs, HashSet<string> builtins)
    {
        Name = name;
        Text = text;
        _root = root;
        Definitions = defs;
        Functions = funcs;
        _builtins = builtins;
    }

    /// <summary>Parses with Go's builtins plus <paramref name="functions"/> (docker-cli's basic functions when null).</summary>
    public static Template Parse(string text, IReadOnlyDictionary<string, FunctionDef>? functions = null, string name = "")
    {
        var funcs = new Dictionary<string, FunctionDef>(Builtins.All, StringComparer.Ordinal);
        var builtins = new HashSet<string>(Builtins.All.Keys, StringComparer.Ordinal);
        foreach (var (k, v) in functions ?? DockerFunctions.Basic) { funcs[k] = v; builtins.Remove(k); }
        try
        {
            var (root, defs) = Parser.Parse(text, funcs.ContainsKey);
            return new Template(name, text, root, defs, funcs, builtins);
        }
        catch (TemplateParseException e)
        {
            int pos = Math.Min(e.Pos, text.Length);
            int line = 1 + text[..pos].Count(c => c == '\n');
            throw new TemplateException($"template: {name}:{line}: {e.Message}", parse: true);
        }
    }

    /// <summary>The same template with other functions of the same names (docker's header row).</summary>
    public Template WithFunctions(IReadOnlyDictionary<string, FunctionDef> functions)
    {
        var funcs = new Dictionary<string, FunctionDef>(Functions, StringComparer.Ordinal);
        foreach (var (k, v) in functions) funcs[k] = v;
        return new Template(Name, Text, _root, new Dictionary<string, ListNode>(Definitions), funcs, _builtins);
    }

    internal bool IsBuiltin(string name) => _builtins.Contains(name);

    /// <summary>Runs the template over <paramref name="data"/>; <paramref name="missingKeyError"/> is Go's
    /// <c>missingkey=error</c> (docker's inspect retries on the raw JSON with it).</summary>
    public string Execute(object? data, bool missingKeyError = false)
    {
        var sb = new StringBuilder();
        Execute(sb, data, missingKeyError);
        return sb.ToString();
    }

    /// <summary>Writes into <paramref name="output"/>; on an error what was written so far stays, as Go's does.</summary>
    public void Execute(StringBuilder output, object? data, bool missingKeyError = false) =>
        new Executor(this, output, data, missingKeyError).Run(_root, data);
}
