using Quai.Build.Syntax;

namespace Quai.Build.Lint;

/// <summary>
/// One run of the checks: the parsed Dockerfile, its lines, what each stage inherits (from an
/// earlier stage or a known base image), and the findings so far (only for rules that run).
/// </summary>
internal sealed class LintContext
{
    private readonly List<LintFinding> _findings = [];

    public LintContext(LintRequest request, Dockerfile dockerfile, CheckOptions options)
    {
        Request = request;
        Dockerfile = dockerfile;
        Options = options;
        Lines = request.DockerfileText.Split('\n');
        Expander = new ShellWordExpander(dockerfile.EscapeToken);
        GlobalDefaults = GlobalValues(dockerfile, null, Expander);
        GlobalValuesWithArgs = GlobalValues(dockerfile, request.BuildArgs, Expander);
        Parents = dockerfile.Stages.Select(ParentOf).ToList();
        Final = FinalStage();
    }

    public LintRequest Request { get; }
    public Dockerfile Dockerfile { get; }
    public CheckOptions Options { get; }
    public string[] Lines { get; }
    public ShellWordExpander Expander { get; }
    public char Escape => Dockerfile.EscapeToken;

    /// <summary>Global ARG values from their defaults only (what InvalidDefaultArgInFrom evaluates).</summary>
    public IReadOnlyDictionary<string, string> GlobalDefaults { get; }

    /// <summary>Global ARG values with the build args applied.</summary>
    public IReadOnlyDictionary<string, string> GlobalValuesWithArgs { get; }

    /// <summary>For each stage, the index of the earlier stage it is built FROM, or -1.</summary>
    public IReadOnlyList<int> Parents { get; }

    /// <summary>The stage --target names (default: the last).</summary>
    public Stage Final { get; }

    public IReadOnlyList<LintFinding> Findings => _findings;

    /// <summary>The build's predefined platform arguments (defined in FROM without an ARG; not reported as undefined).</summary>
    public static readonly IReadOnlyDictionary<string, string> PlatformArgs = new Dictionary<string, string>
    {
        ["BUILDPLATFORM"] = "linux/amd64", ["BUILDOS"] = "linux", ["BUILDARCH"] = "amd64", ["BUILDVARIANT"] = "",
        ["TARGETPLATFORM"] = "linux/amd64", ["TARGETOS"] = "linux", ["TARGETARCH"] = "amd64", ["TARGETVARIANT"] = "",
    };

    public void Report(LintRule rule, string message, Instruction at) => Report(rule, message, at.StartLine, at.EndLine);

    public void Report(LintRule rule, string message, int startLine, int endLine)
    {
        if (Options.Runs(rule)) _findings.Add(new LintFinding(rule, message, startLine, endLine));
    }

    /// <summary>The keyword as the Dockerfile writes it (<c>From</c>, <c>copy</c>…).</summary>
    public static string Written(Instruction instruction)
    {
        var text = instruction.Original;
        int end = 0;
        while (end < text.Length && !LineParsers.IsArgumentSpace(text[end])) end++;
        return text[..end];
    }

    /// <summary>The words of an instruction's text, split at blanks.</summary>
    public static List<string> Words(Instruction instruction) => LineParsers.SplitWhitespace(instruction.Original);

    /// <summary>The stage's base as written, expanded with the global ARGs (build args applied); null when it does not expand.</summary>
    public string? BaseName(Stage stage)
    {
        try { return Expander.ProcessWord(stage.From.Image, n => GlobalValuesWithArgs.GetValueOrDefault(n)); }
        catch (ShellExpansionException) { return null; }
    }

    /// <summary>The stages from the first ancestor to <paramref name="stage"/> itself.</summary>
    public IEnumerable<Stage> Chain(Stage stage)
    {
        var chain = new List<Stage>();
        for (int i = stage.Index; i >= 0; i = Parents[i]) chain.Add(Dockerfile.Stages[i]);
        chain.Reverse();
        return chain;
    }

    /// <summary>The known config of the image at the root of the stage's chain (null for scratch or an unknown image).</summary>
    public BaseImageFacts? RootImage(Stage stage)
    {
        var root = Chain(stage).First();
        var name = BaseName(root);
        if (name is null || name.Equals("scratch", StringComparison.OrdinalIgnoreCase) || Request.BaseImage is null) return null;
        try { return Request.BaseImage(name); }
        catch (Exception) { return null; }
    }

    private int ParentOf(Stage stage)
    {
        var name = BaseName(stage);
        if (name is null) return -1;
        for (int i = stage.Index - 1; i >= 0; i--)
            if (Dockerfile.Stages[i].Name is { } n && n.Equals(name, StringComparison.OrdinalIgnoreCase)) return i;
        return int.TryParse(name, out int index) && index >= 0 && index < stage.Index ? index : -1;
    }

    private Stage FinalStage()
    {
        if (Request.Target is { Length: > 0 } target)
            return Dockerfile.Stages.FirstOrDefault(s => s.Name is { } n && n.Equals(target, StringComparison.OrdinalIgnoreCase)) ?? Dockerfile.Stages[^1];
        return Dockerfile.Stages[^1];
    }

    private static Dictionary<string, string> GlobalValues(Dockerfile dockerfile, IReadOnlyDictionary<string, string>? buildArgs, ShellWordExpander expander)
    {
        var values = new Dictionary<string, string>(PlatformArgs);
        foreach (var arg in dockerfile.GlobalArgs)
            foreach (var definition in arg.Args)
            {
                string? value = buildArgs is not null && buildArgs.TryGetValue(definition.Name, out var b) ? b : null;
                if (value is null && definition.Default is { } d)
                {
                    try { value = expander.ProcessWord(d, n => values.GetValueOrDefault(n)); }
                    catch (ShellExpansionException) { value = null; }
                }
                if (value is null) values.Remove(definition.Name);
                else values[definition.Name] = value;
            }
        return values;
    }
}
