namespace Quai.Build.Context;

/// <summary>Go's <c>path/filepath.Match</c> syntax on Linux, which COPY wildcards use and which Docker
/// checks every .dockerignore pattern against: <c>*</c> (a run without '/'), <c>?</c> (one code point
/// but '/'), <c>[…]</c> (a class: <c>^</c> negates, <c>a-z</c> ranges, <c>\</c> escapes, never empty,
/// '-' and ']' only escaped; it may match '/'), <c>\c</c> (the literal c). A malformed pattern is a
/// <see cref="FormatException"/> "syntax error in pattern", as Go's ErrBadPattern.</summary>
internal static class GoGlob
{
    public const string BadPattern = "syntax error in pattern";

    /// <summary>Reads <paramref name="pattern"/> into terms. <paramref name="rejectReversedRanges"/>: a
    /// range such as <c>[z-a]</c>, which Go's Match accepts and never matches, is an error (Docker's
    /// ignore matcher fails on it when it compiles the pattern's regexp).</summary>
    public static List<GlobToken> Tokenize(string pattern, bool rejectReversedRanges = false)
    {
        var tokens = new List<GlobToken>();
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*': tokens.Add(new GlobToken(GlobTokenKind.Star)); i++; break;
                case '?': tokens.Add(new GlobToken(GlobTokenKind.Question)); i++; break;
                case '\\':
                    i++;
                    if (i >= pattern.Length) throw new FormatException(BadPattern);
                    tokens.Add(new GlobToken(GlobTokenKind.Literal, PatternProgram.ReadRune(pattern, ref i), Escaped: true));
                    break;
                case '[':
                    i++;
                    tokens.Add(new GlobToken(GlobTokenKind.Class, Class: ReadClass(pattern, ref i, rejectReversedRanges)));
                    break;
                default:
                    tokens.Add(new GlobToken(GlobTokenKind.Literal, PatternProgram.ReadRune(pattern, ref i), Bracket: c == ']'));
                    break;
            }
        }
        return tokens;
    }

    /// <summary>The class after its '[' up to and including its ']'.</summary>
    private static CharClass ReadClass(string p, ref int i, bool rejectReversedRanges)
    {
        bool negated = false;
        if (i < p.Length && p[i] == '^') { negated = true; i++; }
        var ranges = new List<(int, int)>();
        while (true)
        {
            if (i < p.Length && p[i] == ']' && ranges.Count > 0) { i++; break; }
            int lo = ClassChar(p, ref i), hi = lo;
            if (p[i] == '-') { i++; hi = ClassChar(p, ref i); }
            if (rejectReversedRanges && hi < lo) throw new FormatException(BadPattern);
            ranges.Add((lo, hi));
        }
        return new CharClass(negated, ranges);
    }

    /// <summary>One possibly escaped character of a class; something must follow it (at least the ']').</summary>
    private static int ClassChar(string p, ref int i)
    {
        if (i >= p.Length || p[i] == '-' || p[i] == ']') throw new FormatException(BadPattern);
        if (p[i] == '\\' && ++i >= p.Length) throw new FormatException(BadPattern);
        int rune = PatternProgram.ReadRune(p, ref i);
        if (i >= p.Length) throw new FormatException(BadPattern);
        return rune;
    }

    /// <summary>Compiles a pattern with filepath.Match's meaning.</summary>
    public static PatternProgram Compile(string pattern)
    {
        var steps = new List<PatternStep>();
        foreach (var t in Tokenize(pattern))
            switch (t.Kind)
            {
                case GlobTokenKind.Star:
                    if (steps.Count == 0 || steps[^1].Kind != StepKind.RunWithoutSlash) steps.Add(new PatternStep(StepKind.RunWithoutSlash));
                    break;
                case GlobTokenKind.Question: steps.Add(new PatternStep(StepKind.AnyButSlash)); break;
                case GlobTokenKind.Class: steps.Add(new PatternStep(StepKind.Class, Class: t.Class)); break;
                default: steps.Add(new PatternStep(StepKind.Literal, t.Rune)); break;
            }
        return new PatternProgram(steps);
    }

    /// <summary>filepath.Match(pattern, name): true when all of <paramref name="name"/> matches.</summary>
    /// <exception cref="FormatException">the pattern is malformed.</exception>
    public static bool Match(string pattern, string name) => Compile(pattern).Matches(name);

    /// <summary>True when a path element has an unescaped <c>*</c>, <c>?</c> or <c>[</c>: where Docker's COPY
    /// stops taking a source literally and starts matching (fsutil's containsWildcards).</summary>
    public static bool ContainsWildcards(string element)
    {
        for (int i = 0; i < element.Length; i++)
        {
            char c = element[i];
            if (c == '\\') i++;
            else if (c is '*' or '?' or '[') return true;
        }
        return false;
    }
}
