namespace Quai.Build.Context;

/// <summary>A bracket expression of a shell pattern, <c>[a-z_]</c> or <c>[^/]</c>: inclusive code point
/// ranges, possibly negated. It can match a '/' (as in Go's filepath.Match).</summary>
internal sealed class CharClass(bool negated, IReadOnlyList<(int Lo, int Hi)> ranges)
{
    public bool Negated { get; } = negated;
    public IReadOnlyList<(int Lo, int Hi)> Ranges { get; } = ranges;

    public bool Contains(int rune)
    {
        bool inside = false;
        foreach (var (lo, hi) in Ranges)
            if (lo <= rune && rune <= hi) { inside = true; break; }
        return inside != Negated;
    }
}
