namespace Quai.Build.Context;

/// <summary>What one step of a <see cref="PatternProgram"/> matches.</summary>
internal enum StepKind : byte
{
    /// <summary>One given code point.</summary>
    Literal,
    /// <summary>Any one code point but '/' (<c>?</c>).</summary>
    AnyButSlash,
    /// <summary>One code point of a bracket expression.</summary>
    Class,
    /// <summary>Any run of code points without '/' (<c>*</c>).</summary>
    RunWithoutSlash,
    /// <summary>Any run of code points without a newline (a final <c>**</c> of a .dockerignore pattern:
    /// Docker turns it into the regexp <c>.*</c>, and Go's <c>.</c> does not match "\n").</summary>
    RunWithoutNewline,
    /// <summary>Nothing, or a run without a newline that ends in '/' (a <c>**</c> or <c>**/</c> inside a
    /// .dockerignore pattern, Docker's regexp <c>(.*/)?</c>). Takes two slots: this one and
    /// <see cref="DirsInner"/> after it.</summary>
    Dirs,
    /// <summary>The inside of <see cref="Dirs"/>, once it has consumed at least one code point.</summary>
    DirsInner,
}

/// <summary>One step: its kind, and the code point or the class it needs.</summary>
internal readonly record struct PatternStep(StepKind Kind, int Rune = 0, CharClass? Class = null);

/// <summary>A compiled shell pattern matched against a whole string by simulating its automaton
/// (a set of positions advanced one code point at a time): linear in the text, whatever the number
/// of stars, with no backtracking to blow up on a hostile file name.</summary>
internal sealed class PatternProgram
{
    private readonly PatternStep[] _steps;

    public PatternProgram(IReadOnlyList<PatternStep> steps) => _steps = [.. steps];

    public int Count => _steps.Length;

    /// <summary>True when the whole of <paramref name="text"/> matches.</summary>
    public bool Matches(string text)
    {
        int words = (_steps.Length + 1 + 63) / 64;
        Span<ulong> current = words <= 8 ? stackalloc ulong[words] : new ulong[words];
        Span<ulong> next = words <= 8 ? stackalloc ulong[words] : new ulong[words];
        Add(current, 0);
        int i = 0;
        while (i < text.Length)
        {
            int rune = ReadRune(text, ref i);
            next.Clear();
            bool any = false;
            for (int w = 0; w < words; w++)
            {
                var bits = current[w];
                while (bits != 0)
                {
                    int s = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    if (s < _steps.Length) any |= Step(next, s, rune);
                }
            }
            if (!any) return false;
            var t = current; current = next; next = t;
        }
        return Has(current, _steps.Length);
    }

    /// <summary>Advances position <paramref name="s"/> over <paramref name="rune"/> into <paramref name="next"/>.</summary>
    private bool Step(Span<ulong> next, int s, int rune)
    {
        var step = _steps[s];
        switch (step.Kind)
        {
            case StepKind.Literal: if (rune != step.Rune) return false; Add(next, s + 1); return true;
            case StepKind.AnyButSlash: if (rune == '/') return false; Add(next, s + 1); return true;
            case StepKind.Class: if (!step.Class!.Contains(rune)) return false; Add(next, s + 1); return true;
            case StepKind.RunWithoutSlash: if (rune == '/') return false; Add(next, s); return true;
            case StepKind.RunWithoutNewline: if (rune == '\n') return false; Add(next, s); return true;
            case StepKind.Dirs:
            case StepKind.DirsInner:
                if (rune == '\n') return false;
                int inner = step.Kind == StepKind.Dirs ? s + 1 : s;
                Add(next, inner);
                if (rune == '/') Add(next, inner + 1);
                return true;
            default: return false;
        }
    }

    /// <summary>Adds position <paramref name="s"/> and what it reaches without consuming anything.</summary>
    private void Add(Span<ulong> set, int s)
    {
        while (true)
        {
            if (Has(set, s)) return;
            set[s / 64] |= 1UL << (s % 64);
            if (s >= _steps.Length) return;
            switch (_steps[s].Kind)
            {
                case StepKind.RunWithoutSlash:
                case StepKind.RunWithoutNewline: s += 1; continue;
                case StepKind.Dirs: s += 2; continue;
                default: return;
            }
        }
    }

    private static bool Has(Span<ulong> set, int s) => (set[s / 64] & (1UL << (s % 64))) != 0;

    /// <summary>The code point at <paramref name="i"/> (a surrogate pair counts as one), advancing past it.</summary>
    public static int ReadRune(string text, ref int i)
    {
        char c = text[i++];
        if (char.IsHighSurrogate(c) && i < text.Length && char.IsLowSurrogate(text[i]))
            return char.ConvertToUtf32(c, text[i++]);
        return c;
    }
}
