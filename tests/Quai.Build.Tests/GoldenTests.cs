using System.Runtime.CompilerServices;
using System.Text;

namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>
/// Golden-file parser tests: every directory under Golden/ holds a Dockerfile and the expected tree
/// dump (expected.txt) or error (error.txt); see Golden/README.md. QUAI_GOLDEN_UPDATE=1 rewrites
/// the expected files from the current output (review each one: they state what Docker does).
/// </summary>
public sealed class GoldenTests
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static string OutputRoot => Path.Combine(AppContext.BaseDirectory, "Golden");

    private static string SourceRoot([CallerFilePath] string path = "") => Path.Combine(Path.GetDirectoryName(path)!, "Golden");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(OutputRoot).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void There_are_cases_and_each_has_a_dockerfile_and_one_expectation()
    {
        var cases = Directory.GetDirectories(OutputRoot);
        Assert.True(cases.Length >= 40, $"only {cases.Length} golden cases found in {OutputRoot}");
        foreach (var dir in cases)
        {
            Assert.True(File.Exists(Path.Combine(dir, "Dockerfile")), $"{dir}: no Dockerfile");
            bool expected = File.Exists(Path.Combine(dir, "expected.txt")), error = File.Exists(Path.Combine(dir, "error.txt"));
            Assert.True(expected ^ error, $"{dir}: needs exactly one of expected.txt and error.txt");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        string dir = Path.Combine(OutputRoot, name);
        string text = Utf8.GetString(File.ReadAllBytes(Path.Combine(dir, "Dockerfile"))); // a BOM stays in
        var args = ReadArgs(Path.Combine(dir, "args.txt"));
        bool errorCase = File.Exists(Path.Combine(dir, "error.txt"));
        string expectedFile = errorCase ? "error.txt" : "expected.txt";
        string actual, actualFile;
        try
        {
            var dockerfile = DockerfileParser.Parse(text);
            actual = args is null ? ModelPrinter.Print(dockerfile) : GoldenExpansion.Print(dockerfile, args);
            actualFile = "expected.txt";
        }
        catch (DockerfileParseException e)
        {
            actual = e.Message + "\n";
            actualFile = "error.txt";
        }

        string? known = File.Exists(Path.Combine(dir, "known-difference.txt")) ? File.ReadAllText(Path.Combine(dir, "known-difference.txt")) : null;
        string expected = File.Exists(Path.Combine(dir, expectedFile)) ? File.ReadAllText(Path.Combine(dir, expectedFile)) : "";
        if (known is not null)
        {
            // Docker's behaviour, recorded; Quai differs (docs/build.md lists it): fail once it no longer does
            Assert.True(actualFile != expectedFile || actual != expected,
                $"{name}: the parser now does what Docker does; remove known-difference.txt and its line in docs/build.md");
            Assert.Contains(name, File.ReadAllText(Path.Combine(SourceRoot(), "..", "..", "..", "docs", "build.md")));
            return;
        }

        if (Environment.GetEnvironmentVariable("QUAI_GOLDEN_UPDATE") == "1")
        {
            string source = Path.Combine(SourceRoot(), name);
            File.Delete(Path.Combine(source, "expected.txt"));
            File.Delete(Path.Combine(source, "error.txt"));
            File.WriteAllText(Path.Combine(source, actualFile), actual, Utf8);
            return;
        }
        Assert.Equal(expectedFile, actualFile);
        Assert.Equal(expected, actual);
    }

    private static Dictionary<string, string>? ReadArgs(string path)
    {
        if (!File.Exists(path)) return null;
        var args = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0) continue;
            int eq = line.IndexOf('=');
            args[line[..eq]] = line[(eq + 1)..];
        }
        return args;
    }
}

/// <summary>
/// The model dump plus, under each instruction BuildKit expands (ShellWordExpander.ExpandedInstructions),
/// a "=>" line with its values after substitution: global ARGs (build args over defaults) for FROM;
/// in a stage, ENV over ARG, an ARG taking a global's value or its build arg. No base image env.
/// </summary>
internal static class GoldenExpansion
{
    private static readonly Dictionary<string, string> Predefined = new()
    {
        ["BUILDPLATFORM"] = "linux/amd64", ["BUILDOS"] = "linux", ["BUILDARCH"] = "amd64", ["BUILDVARIANT"] = "",
        ["TARGETPLATFORM"] = "linux/amd64", ["TARGETOS"] = "linux", ["TARGETARCH"] = "amd64", ["TARGETVARIANT"] = "",
    };

    public static string Print(Dockerfile dockerfile, Dictionary<string, string> buildArgs)
    {
        var expander = new ShellWordExpander(dockerfile.EscapeToken);
        var lines = ModelPrinter.Print(dockerfile).Split('\n');
        var sb = new StringBuilder();
        var globals = new Dictionary<string, string>(Predefined);
        int line = 0;

        void Copy(int count)
        {
            for (int i = 0; i < count; i++) sb.Append(lines[line++]).Append('\n');
        }

        Copy(dockerfile.Directives.Count + (dockerfile.EscapeToken != '\\' ? 1 : 0));
        foreach (var arg in dockerfile.GlobalArgs)
        {
            Copy(1);
            sb.Append("    => ").Append(Try(() => DefineArgs(arg, globals, null, buildArgs, expander, globals))).Append('\n');
        }
        foreach (var stage in dockerfile.Stages)
        {
            Copy(2); // stage N, FROM
            sb.Append("    => ").Append(Try(() =>
            {
                string image = expander.ProcessWord(stage.From.Image, n => globals.GetValueOrDefault(n));
                string? platform = stage.From.Platform is { } p ? expander.ProcessWord(p, n => globals.GetValueOrDefault(n)) : null;
                return "Image=" + ModelPrinter.Value(image) + (platform is null ? "" : " Platform=" + ModelPrinter.Value(platform));
            })).Append('\n');
            var env = new Dictionary<string, string>();
            var args = new Dictionary<string, string>();
            string? Lookup(string n) => env.TryGetValue(n, out var e) ? e : args.TryGetValue(n, out var a) ? a : null;
            string X(string w) => expander.ProcessWord(w, Lookup);
            foreach (var instruction in stage.Instructions)
            {
                Copy(1);
                if (!ShellWordExpander.ExpandedInstructions.Contains(instruction.Keyword)) continue;
                sb.Append("    => ").Append(Try(() => instruction switch
                {
                    ArgInstruction arg => DefineArgs(arg, args, globals, buildArgs, expander, null, Lookup),
                    EnvInstruction e => Pairs(e.Variables, X, env),
                    LabelInstruction l => Pairs(l.Labels, X, null),
                    WorkdirInstruction w => "Path=" + ModelPrinter.Value(X(w.Path)),
                    UserInstruction u => "User=" + ModelPrinter.Value(X(u.User)),
                    StopSignalInstruction s => "Signal=" + ModelPrinter.Value(X(s.Signal)),
                    VolumeInstruction v => "Volumes=" + ModelPrinter.Value(v.Volumes.Select(X).ToList()),
                    ExposeInstruction x => "Ports=" + ModelPrinter.Value(x.Ports.SelectMany(p => expander.ProcessWords(p, Lookup)).ToList()),
                    CopyInstruction c => Paths(c.Sources, c.Destination, X) + Optional("From", c.From, X) + Optional("Chown", c.Chown, X) + Optional("Chmod", c.Chmod, X),
                    AddInstruction a => Paths(a.Sources, a.Destination, X) + Optional("Chown", a.Chown, X) + Optional("Chmod", a.Chmod, X),
                    _ => "",
                })).Append('\n');
            }
        }
        return sb.ToString();
    }

    private static string DefineArgs(ArgInstruction arg, Dictionary<string, string> scope, Dictionary<string, string>? globals,
        Dictionary<string, string> buildArgs, ShellWordExpander expander, Dictionary<string, string>? lookupScope, Func<string, string?>? lookup = null)
    {
        lookup ??= n => lookupScope!.GetValueOrDefault(n);
        var parts = new List<string>();
        foreach (var definition in arg.Args)
        {
            string? value = buildArgs.TryGetValue(definition.Name, out var b) ? b
                : definition.Default is { } d ? expander.ProcessWord(d, lookup)
                : globals is not null && globals.TryGetValue(definition.Name, out var g) ? g
                : null;
            if (value is null) scope.Remove(definition.Name);
            else scope[definition.Name] = value;
            parts.Add(definition.Name + "=" + (value is null ? "unset" : ModelPrinter.Value(value)));
        }
        return string.Join(' ', parts);
    }

    private static string Pairs(IEnumerable<KeyValue> pairs, Func<string, string> expand, Dictionary<string, string>? into)
    {
        var parts = new List<string>();
        foreach (var pair in pairs)
        {
            string key = expand(pair.Key), value = expand(pair.Value);
            if (into is not null) into[key] = value;
            parts.Add(key + "=" + ModelPrinter.Value(value));
        }
        return string.Join(' ', parts);
    }

    private static string Paths(IEnumerable<string> sources, string destination, Func<string, string> expand) =>
        "Sources=" + ModelPrinter.Value(sources.Select(expand).ToList()) + " Destination=" + ModelPrinter.Value(expand(destination));

    private static string Optional(string name, string? value, Func<string, string> expand) =>
        value is null ? "" : " " + name + "=" + ModelPrinter.Value(expand(value));

    private static string Try(Func<string> expand)
    {
        try { return expand(); }
        catch (ShellExpansionException e) { return "error: " + e.Message; }
    }
}
