using System.Text.RegularExpressions;
using Quai.Build.Syntax;

namespace Quai.Build.Lint;

/// <summary>
/// BuildKit's checks on names, casing, forms and per-stage instructions, with its messages
/// (frontend/dockerfile/linter ruleset). The variable checks are in <see cref="VariableChecks"/>.
/// </summary>
internal static partial class BuildKitChecks
{
    private static readonly HashSet<string> ReservedStageNames = ["context", "scratch"];

    public static void Run(LintContext c)
    {
        Casing(c);
        StageNames(c);
        EmptyContinuations(c);
        foreach (var stage in c.Dockerfile.Stages) PerStage(c, stage); // BuildKit checks no secret names in global ARGs
    }

    /// <summary>ConsistentInstructionCasing over FROMs and stage instructions (not global ARGs, as BuildKit).</summary>
    private static void Casing(LintContext c)
    {
        var all = c.Dockerfile.Stages.SelectMany(s => s.Instructions.Prepend(s.From)).ToList();
        int lower = 0, upper = 0;
        foreach (var instruction in all)
        {
            string k = LintContext.Written(instruction);
            if (k == k.ToLowerInvariant()) lower++;
            else if (k == k.ToUpperInvariant()) upper++;
        }
        bool majorityLower = lower > upper;
        foreach (var instruction in all)
        {
            string k = LintContext.Written(instruction);
            string? casing = majorityLower && k != k.ToLowerInvariant() ? "lowercase"
                : !majorityLower && k != k.ToUpperInvariant() ? "uppercase" : null;
            if (casing is not null)
                c.Report(LintRules.ConsistentInstructionCasing, $"Command '{k}' should match the case of the command majority ({casing})", instruction);
        }
    }

    private static void StageNames(LintContext c)
    {
        var seen = new HashSet<string>();
        foreach (var stage in c.Dockerfile.Stages)
        {
            var from = stage.From;
            if (stage.Name is not { } name) continue;
            var words = LintContext.Words(from);
            string keyword = words[0], asKeyword = words[^2], written = words[^1];
            if (written != written.ToLowerInvariant())
                c.Report(LintRules.StageNameCasing, $"Stage name '{written}' should be lowercase", from);
            bool fromLower = keyword == keyword.ToLowerInvariant(), fromUpper = keyword == keyword.ToUpperInvariant();
            if ((fromLower && asKeyword != asKeyword.ToLowerInvariant()) || (fromUpper && !fromLower && asKeyword != asKeyword.ToUpperInvariant()))
                c.Report(LintRules.FromAsCasing, $"'{asKeyword}' and '{keyword}' keywords' casing do not match", from);
            if (ReservedStageNames.Contains(name))
                c.Report(LintRules.ReservedStageName, $"Stage name should not use the same name as reserved stage {GoText.Quote(name)}", from);
            if (!seen.Add(name))
                c.Report(LintRules.DuplicateStageName, $"Duplicate stage name {GoText.Quote(name)}, stage names should be unique", from);
        }
    }

    /// <summary>NoEmptyContinuation: a blank line inside an instruction's continuation lines.</summary>
    private static void EmptyContinuations(LintContext c)
    {
        var all = c.Dockerfile.GlobalArgs.Cast<Instruction>().Concat(c.Dockerfile.Stages.SelectMany(s => s.Instructions.Prepend(s.From)));
        foreach (var instruction in all)
        {
            bool continues = Continues(c.Lines[instruction.StartLine - 1], c.Escape), empty = false;
            for (int line = instruction.StartLine + 1; continues && line <= instruction.EndLine && line <= c.Lines.Length; line++)
            {
                string text = c.Lines[line - 1].TrimEnd('\r');
                if (text.Trim().Length == 0) { empty = true; continue; }
                if (text.TrimStart().StartsWith('#')) continue;
                continues = Continues(text, c.Escape);
            }
            if (empty) c.Report(LintRules.NoEmptyContinuation, "Empty continuation line", instruction);
        }
    }

    private static bool Continues(string line, char escape)
    {
        var t = line.TrimEnd('\r', ' ', '\t');
        return t.Length > 0 && t[^1] == escape && !(t.Length > 1 && t[^2] == escape);
    }

    private static void PerStage(LintContext c, Stage stage)
    {
        var from = stage.From;
        if (from.Platform is { } platform) Platform(c, stage, platform);

        var chain = c.Chain(stage).ToList();
        bool shellSet = c.RootImage(stage)?.HasShell == true || chain.Take(chain.Count - 1).Any(s => s.Instructions.Any(i => i is ShellInstruction));
        // as BuildKit: only the first WORKDIR the build sets is checked (fixing it fixes the later ones)
        bool workdirSet = chain.Take(chain.Count - 1).Any(s => s.Instructions.OfType<WorkdirInstruction>().Any());
        var once = new Dictionary<string, Instruction>();
        foreach (var instruction in stage.Instructions)
        {
            string written = LintContext.Written(instruction);
            switch (instruction)
            {
                case ShellInstruction:
                    shellSet = true;
                    break;
                case CmdInstruction { IsShellForm: true, Command.Count: > 0 } when !shellSet:
                case EntrypointInstruction { IsShellForm: true, Command.Count: > 0 } when !shellSet:
                    c.Report(LintRules.JsonArgsRecommended, $"JSON arguments recommended for {written} to prevent unintended behavior related to OS signals", instruction);
                    break;
                case MaintainerInstruction:
                    c.Report(LintRules.MaintainerDeprecated, "Maintainer instruction is deprecated in favor of using label", instruction);
                    break;
                case WorkdirInstruction w:
                    if (!workdirSet && !IsAbsolute(w.Path) && !w.Path.StartsWith('$'))
                        c.Report(LintRules.WorkdirRelativePath, $"Relative workdir {GoText.Quote(w.Path)} can have unexpected results if the base image changes", instruction);
                    workdirSet = true;
                    break;
                case EnvInstruction e when e.Variables.Any(v => v.LegacySyntax):
                    c.Report(LintRules.LegacyKeyValueFormat, $"\"{written} key=value\" should be used instead of legacy \"{written} key value\" format", instruction);
                    break;
                case LabelInstruction l when l.Labels.Any(v => v.LegacySyntax):
                    c.Report(LintRules.LegacyKeyValueFormat, $"\"{written} key=value\" should be used instead of legacy \"{written} key value\" format", instruction);
                    break;
                case ExposeInstruction x:
                    Expose(c, x);
                    break;
                case CopyInstruction { From: null } copy:
                    IgnoredSources(c, "Copy", copy.Sources, copy);
                    break;
                case AddInstruction add:
                    IgnoredSources(c, "Add", add.Sources, add);
                    break;
            }
            // reported at the earlier one: it is the one that has no effect
            if (instruction is CmdInstruction or EntrypointInstruction or HealthcheckInstruction)
            {
                if (once.TryGetValue(instruction.Keyword, out var earlier))
                    c.Report(LintRules.MultipleInstructionsDisallowed, $"Multiple {written} instructions should not be used in the same stage because only the last one will be used", earlier);
                once[instruction.Keyword] = instruction;
            }
            if (instruction is EnvInstruction or ArgInstruction) Secrets(c, instruction);
        }
    }

    private static bool IsAbsolute(string path) => path.StartsWith('/');

    private static void Platform(LintContext c, Stage stage, string platform)
    {
        if (platform is "$TARGETPLATFORM" or "${TARGETPLATFORM}")
        {
            c.Report(LintRules.RedundantTargetPlatform, $"Setting platform to predefined {platform} in FROM is redundant as this is the default behavior", stage.From);
            return;
        }
        if (platform.Contains('$') || ParsePlatform(platform) is not var (os, arch)) return;
        if (stage.Name is { } name && (name.Contains(os, StringComparison.Ordinal) || name.Contains(arch, StringComparison.Ordinal))) return;
        c.Report(LintRules.FromPlatformFlagConstDisallowed, $"FROM --platform flag should not use constant value {GoText.Quote(platform)}", stage.From);
    }

    private static readonly HashSet<string> KnownOs = ["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "android", "ios", "plan9", "js", "wasip1"];

    private static readonly Dictionary<string, string> KnownArch = new()
    {
        ["amd64"] = "amd64", ["x86_64"] = "amd64", ["x86-64"] = "amd64", ["386"] = "386", ["i386"] = "386", ["arm"] = "arm", ["armhf"] = "arm", ["armel"] = "arm",
        ["arm64"] = "arm64", ["aarch64"] = "arm64", ["ppc64le"] = "ppc64le", ["s390x"] = "s390x", ["riscv64"] = "riscv64", ["mips64le"] = "mips64le", ["loong64"] = "loong64", ["wasm"] = "wasm",
    };

    /// <summary>os/arch[/variant], or a lone os or arch, as containerd's platforms.Parse reads it; null when it does not parse.</summary>
    private static (string Os, string Arch)? ParsePlatform(string platform)
    {
        var parts = platform.ToLowerInvariant().Split('/');
        if (parts.Length == 1)
        {
            if (KnownOs.Contains(parts[0])) return (parts[0], "amd64");
            if (KnownArch.TryGetValue(parts[0], out var a)) return ("linux", a);
            return null;
        }
        if (parts.Length > 3 || !KnownOs.Contains(parts[0]) || !KnownArch.TryGetValue(parts[1], out var arch)) return null;
        return (parts[0], arch);
    }

    private static void Expose(LintContext c, ExposeInstruction expose)
    {
        foreach (var port in expose.Ports)
        {
            if (port.Contains('$')) continue;
            if (port.Contains(':'))
                c.Report(LintRules.ExposeInvalidFormat, $"EXPOSE instruction should not define an IP address or host-port mapping, found '{port}'", expose);
            else if (port.IndexOf('/') is int slash and >= 0 && port[(slash + 1)..] != port[(slash + 1)..].ToLowerInvariant())
                c.Report(LintRules.ExposeProtoCasing, $"Defined protocol '{port}' in EXPOSE instruction should be lowercase", expose);
        }
    }

    private static void IgnoredSources(LintContext c, string verb, IEnumerable<string> sources, Instruction at)
    {
        var ignore = c.Request.Context?.Ignore;
        if (ignore is null) return;
        foreach (var source in sources)
        {
            if (source.Contains('$') || source.Contains("://", StringComparison.Ordinal) || source.IndexOfAny(['*', '?', '[']) >= 0) continue;
            if (ignore.IsExcluded(source))
                c.Report(LintRules.CopyIgnoredFile, $"Attempting to {verb} file {GoText.Quote(source)} that is excluded by .dockerignore", at);
        }
    }

    [GeneratedRegex("(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)")]
    private static partial Regex SecretName();

    [GeneratedRegex("(?i)(?:_|^)(?:public)(?:_|$)")]
    private static partial Regex PublicName();

    /// <summary>SecretsUsedInArgOrEnv: a name that looks like a secret's (BuildKit's tokens; "public" allowed).</summary>
    private static void Secrets(LintContext c, Instruction instruction)
    {
        var names = instruction switch
        {
            ArgInstruction a => a.Args.Select(d => d.Name),
            EnvInstruction e => e.Variables.Select(v => v.Key),
            _ => [],
        };
        foreach (var name in names)
            if (SecretName().IsMatch(name) && !PublicName().IsMatch(name))
                c.Report(LintRules.SecretsUsedInArgOrEnv, $"Do not use ARG or ENV instructions for sensitive data ({instruction.Keyword} {GoText.Quote(name)})", instruction);
    }
}
