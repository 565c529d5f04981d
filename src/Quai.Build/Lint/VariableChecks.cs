using Quai.Build.Syntax;

namespace Quai.Build.Lint;

/// <summary>
/// BuildKit's checks on variables: UndefinedVar (in the instructions BuildKit expands),
/// UndefinedArgInFrom and InvalidDefaultArgInFrom (FROM lines and global ARGs).
/// </summary>
internal static class VariableChecks
{
    public static void Run(LintContext c)
    {
        var globalNames = new List<string>();
        foreach (var arg in c.Dockerfile.GlobalArgs)
        {
            var known = new HashSet<string>(globalNames.Concat(LintContext.PlatformArgs.Keys));
            foreach (var definition in arg.Args)
            {
                if (definition.Default is { } d) Undefined(c, arg, References(d, c.Escape), known, globalNames);
                globalNames.Add(definition.Name);
                known.Add(definition.Name);
            }
        }
        foreach (var stage in c.Dockerfile.Stages)
        {
            From(c, stage, globalNames);
            Stage(c, stage);
        }
    }

    private static void From(LintContext c, Stage stage, List<string> globalNames)
    {
        var from = stage.From;
        var refs = References(from.Image, c.Escape).Concat(from.Platform is { } p ? References(p, c.Escape) : []).ToList();
        foreach (var name in refs.Select(r => r.Name).Distinct())
        {
            if (globalNames.Contains(name) || LintContext.PlatformArgs.ContainsKey(name)) continue;
            c.Report(LintRules.UndefinedArgInFrom, Suggestion.Wrap($"FROM argument '{name}' is not declared", name, globalNames, caseSensitive: true), from);
        }
        if (!from.Image.Contains('$')) return;
        string image;
        try { image = c.Expander.ProcessWord(from.Image, n => c.GlobalDefaults.GetValueOrDefault(n)); }
        catch (ShellExpansionException) { return; }
        if (!ImageReference.IsValid(image))
            c.Report(LintRules.InvalidDefaultArgInFrom, $"Default value for ARG {from.Image} results in empty or invalid base image name", from);
    }

    /// <summary>UndefinedVar through a stage: its ARGs, the ENV of it and of the stages it is built on, the base image's env.</summary>
    private static void Stage(LintContext c, Stage stage)
    {
        var defined = new HashSet<string>(c.RootImage(stage)?.Env ?? ["PATH"]) { "PATH" };
        foreach (var ancestor in c.Chain(stage).SkipLast(1))
            foreach (var env in ancestor.Instructions.OfType<EnvInstruction>())
                foreach (var v in env.Variables) defined.Add(v.Key);
        var keys = new List<string>(defined);
        foreach (var instruction in stage.Instructions)
        {
            if (!ShellWordExpander.ExpandedInstructions.Contains(instruction.Keyword)) continue;
            if (instruction is ArgInstruction arg)
            {
                foreach (var definition in arg.Args)
                {
                    if (definition.Default is { } d) Undefined(c, arg, References(d, c.Escape), defined, keys);
                    if (defined.Add(definition.Name)) keys.Add(definition.Name);
                }
                continue;
            }
            Undefined(c, instruction, Words(instruction).SelectMany(w => References(w, c.Escape)), defined, keys);
            if (instruction is EnvInstruction env)
                foreach (var v in env.Variables)
                    if (defined.Add(v.Key)) keys.Add(v.Key);
        }
    }

    private static void Undefined(LintContext c, Instruction at, IEnumerable<VariableReference> refs, IReadOnlySet<string> defined, IReadOnlyList<string> options)
    {
        foreach (var name in refs.Select(r => r.Name).Distinct())
        {
            if (defined.Contains(name) || LintContext.PlatformArgs.ContainsKey(name)) continue;
            string message = $"Usage of undefined variable '${name}'";
            string suggested = Suggestion.Wrap("", name, options, caseSensitive: true);
            if (suggested.Length > 0) message += suggested.Replace("(did you mean ", "(did you mean $", StringComparison.Ordinal);
            c.Report(LintRules.UndefinedVar, message, at);
        }
    }

    /// <summary>The raw words of an instruction BuildKit expands (flags that expand included).</summary>
    private static IEnumerable<string> Words(Instruction instruction) => instruction switch
    {
        EnvInstruction e => e.Variables.SelectMany(v => new[] { v.Key, v.Value }),
        LabelInstruction l => l.Labels.SelectMany(v => new[] { v.Key, v.Value }),
        WorkdirInstruction w => [w.Path],
        UserInstruction u => [u.User],
        StopSignalInstruction s => [s.Signal],
        VolumeInstruction v => v.Volumes,
        ExposeInstruction x => x.Ports,
        CopyInstruction copy => copy.Sources.Append(copy.Destination).Concat(new[] { copy.From, copy.Chown, copy.Chmod }.OfType<string>()),
        AddInstruction add => add.Sources.Append(add.Destination).Concat(new[] { add.Chown, add.Chmod }.OfType<string>()),
        _ => [],
    };

    /// <summary>
    /// A <c>$name</c> or <c>${name…}</c> in a word; Guarded for <c>${name-x}</c>, <c>${name:-x}</c>,
    /// <c>${name+x}</c>, <c>${name:+x}</c>. BuildKit's lexer looks every one up, so an unset guarded
    /// name is reported too.
    /// </summary>
    internal readonly record struct VariableReference(string Name, bool Guarded);

    /// <summary>The variables a word references, outside single quotes and not escaped.</summary>
    internal static List<VariableReference> References(string word, char escape)
    {
        var refs = new List<VariableReference>();
        bool single = false, dbl = false;
        for (int i = 0; i < word.Length; i++)
        {
            char ch = word[i];
            if (ch == escape && !single) { i++; continue; }
            if (ch == '\'' && !dbl) { single = !single; continue; }
            if (ch == '"' && !single) { dbl = !dbl; continue; }
            if (ch != '$' || single || i + 1 >= word.Length) continue;
            if (word[i + 1] == '{')
            {
                int start = i + 2, end = start;
                while (end < word.Length && IsNameChar(word[end], end == start)) end++;
                if (end == start) continue;
                string rest = word[end..];
                bool guarded = rest.StartsWith(":-") || rest.StartsWith(":+") || rest.StartsWith('-') || rest.StartsWith('+');
                refs.Add(new VariableReference(word[start..end], guarded));
                i = end - 1;
            }
            else
            {
                int start = i + 1, end = start;
                while (end < word.Length && IsNameChar(word[end], end == start)) end++;
                if (end == start) continue;
                refs.Add(new VariableReference(word[start..end], false));
                i = end - 1;
            }
        }
        return refs;
    }

    private static bool IsNameChar(char c, bool first) => c == '_' || char.IsAsciiLetter(c) || (!first && char.IsAsciiDigit(c));
}
