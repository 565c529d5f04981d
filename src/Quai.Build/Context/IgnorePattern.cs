namespace Quai.Build.Context;

/// <summary>How an <see cref="IgnorePattern"/> is compared with a path. Docker picks one from the pattern's
/// text, and they do not all agree with each other: <c>**foo</c> (suffix) matches "barfoo", while
/// <c>**foo?</c> (regexp) does not match "barfoox".</summary>
internal enum IgnoreMatchKind : byte
{
    /// <summary>No wildcard: the path equals the pattern.</summary>
    Exact,
    /// <summary>Literal text then a final <c>**</c>: the path starts with the text.</summary>
    Prefix,
    /// <summary>A leading <c>**</c> then literal text: the path ends with the text (or, for <c>**/x</c>, is x).</summary>
    Suffix,
    /// <summary>Anything else: the compiled program, anchored at both ends.</summary>
    Program,
}

/// <summary>One line of a .dockerignore, compiled as moby/patternmatcher compiles it: its cleaned text
/// (without the <c>!</c>), whether it is an exception (<c>!</c>: re-includes what earlier lines excluded),
/// and how it matches a '/'-separated path relative to the context.</summary>
internal sealed class IgnorePattern
{
    public string Text { get; }
    public bool IsException { get; }
    public IgnoreMatchKind Kind { get; }
    private readonly PatternProgram? _program;

    private IgnorePattern(string text, bool isException, IgnoreMatchKind kind, PatternProgram? program)
    {
        Text = text; IsException = isException; Kind = kind; _program = program;
    }

    /// <summary>Compiles one pattern as given to the matcher (a line already read by <see cref="DockerIgnore"/>,
    /// or a pattern added by the builder): trimmed, cleaned, a leading <c>!</c> taken off.</summary>
    /// <exception cref="FormatException">a lone "!", or a pattern filepath.Match rejects.</exception>
    public static IgnorePattern? Parse(string pattern)
    {
        var p = pattern.Trim();
        if (p.Length == 0) return null;
        p = GoPath.Clean(p);
        bool exception = false;
        if (p[0] == '!')
        {
            if (p.Length == 1) throw new FormatException("illegal exclusion pattern: \"!\"");
            exception = true;
            p = p[1..];
        }
        var tokens = GoGlob.Tokenize(p, rejectReversedRanges: true);
        var (kind, steps) = Translate(tokens);
        return new IgnorePattern(p, exception, kind, kind == IgnoreMatchKind.Program ? new PatternProgram(steps) : null);
    }

    /// <summary>Docker's reading of a pattern (patternmatcher's compile): <c>**</c> followed by '/' or not
    /// is "any directories" (<c>(.*/)?</c>), a final one "anything" (<c>.*</c>), <c>*</c> and <c>?</c> stop
    /// at '/'. A pattern with no wildcard, escape or bracket is exact; literal text ending in <c>**</c> is a
    /// prefix; a pattern starting with <c>**</c> and otherwise literal is a suffix.</summary>
    private static (IgnoreMatchKind, List<PatternStep>) Translate(List<GlobToken> tokens)
    {
        var kind = IgnoreMatchKind.Exact;
        var steps = new List<PatternStep>();
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            switch (t.Kind)
            {
                case GlobTokenKind.Star when i + 1 < tokens.Count && tokens[i + 1].Kind == GlobTokenKind.Star:
                {
                    bool first = i == 0;
                    i++;
                    if (i + 1 < tokens.Count && IsPlainSlash(tokens[i + 1])) i++;
                    if (i + 1 >= tokens.Count)
                    {
                        if (kind == IgnoreMatchKind.Exact) kind = IgnoreMatchKind.Prefix;
                        else { steps.Add(new PatternStep(StepKind.RunWithoutNewline)); kind = IgnoreMatchKind.Program; }
                    }
                    else
                    {
                        steps.Add(new PatternStep(StepKind.Dirs));
                        steps.Add(new PatternStep(StepKind.DirsInner));
                        kind = IgnoreMatchKind.Program;
                    }
                    if (first) kind = IgnoreMatchKind.Suffix;
                    break;
                }
                case GlobTokenKind.Star:
                    steps.Add(new PatternStep(StepKind.RunWithoutSlash));
                    kind = IgnoreMatchKind.Program;
                    break;
                case GlobTokenKind.Question:
                    steps.Add(new PatternStep(StepKind.AnyButSlash));
                    kind = IgnoreMatchKind.Program;
                    break;
                case GlobTokenKind.Class:
                    steps.Add(new PatternStep(StepKind.Class, Class: t.Class));
                    kind = IgnoreMatchKind.Program;
                    break;
                default:
                    steps.Add(new PatternStep(StepKind.Literal, t.Rune));
                    if (t.Escaped || t.Bracket) kind = IgnoreMatchKind.Program;
                    break;
            }
        }
        return (kind, steps);
    }

    private static bool IsPlainSlash(GlobToken t) => t.Kind == GlobTokenKind.Literal && t.Rune == '/' && !t.Escaped;

    /// <summary>True when this pattern matches <paramref name="path"/> itself (not counting its parents).</summary>
    public bool Matches(string path)
    {
        switch (Kind)
        {
            case IgnoreMatchKind.Exact: return path == Text;
            case IgnoreMatchKind.Prefix: return path.StartsWith(Text[..^2], StringComparison.Ordinal);
            case IgnoreMatchKind.Suffix:
                var suffix = Text[2..];
                return path.EndsWith(suffix, StringComparison.Ordinal) || (suffix.Length > 0 && suffix[0] == '/' && path == suffix[1..]);
            default: return _program!.Matches(path);
        }
    }

    /// <summary>True when what this pattern can reach is told by its text alone: no wildcard once a final
    /// <c>/**</c> or <c>/*</c> is set aside (fsutil's test before it skips an excluded directory).</summary>
    public bool IsLiteralBeyondTrailingGlob => !WithoutTrailingGlob().AsSpan().ContainsAny("*[]?^\\");

    /// <summary>Whether this literal exception names <paramref name="dirSlash"/> or something below it.</summary>
    public bool MayReachBelow(string dirSlash) => (WithoutTrailingGlob() + "/").StartsWith(dirSlash, StringComparison.Ordinal);

    private string WithoutTrailingGlob()
    {
        var s = Text;
        if (s.EndsWith("/**", StringComparison.Ordinal)) s = s[..^3];
        if (s.EndsWith("/*", StringComparison.Ordinal)) s = s[..^2];
        return s;
    }

    public override string ToString() => IsException ? "!" + Text : Text;
}
