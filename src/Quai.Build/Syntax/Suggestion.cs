namespace Quai.Build.Syntax;

/// <summary>BuildKit's "(did you mean X?)" suffix: the closest option within an edit distance of 2.</summary>
internal static class Suggestion
{
    /// <summary>The message, with " (did you mean X?)" when an option is close to the value.</summary>
    public static string Wrap(string message, string value, IEnumerable<string> options, bool caseSensitive)
    {
        string? match = Search(value, options, caseSensitive);
        return match is null ? message : $"{message} (did you mean {match}?)";
    }

    private static string? Search(string value, IEnumerable<string> options, bool caseSensitive)
    {
        string original = value;
        if (!caseSensitive) value = value.ToLowerInvariant();
        string? match = null;
        int best = 3;
        foreach (var option in options)
        {
            string candidate = caseSensitive ? option : option.ToLowerInvariant();
            if (candidate == value) return null; // an exact match: the error is not about the name
            int distance = Levenshtein(value, candidate);
            if (distance < best)
            {
                match = caseSensitive ? candidate : MatchCase(candidate, original);
                best = distance;
            }
        }
        return match;
    }

    private static string MatchCase(string value, string original)
    {
        if (original == original.ToLowerInvariant()) return value.ToLowerInvariant();
        if (original == original.ToUpperInvariant()) return value.ToUpperInvariant();
        return value;
    }

    private static int Levenshtein(string a, string b)
    {
        int[] ra = [.. a.EnumerateRunes().Select(r => r.Value)];
        int[] rb = [.. b.EnumerateRunes().Select(r => r.Value)];
        var previous = new int[rb.Length + 1];
        var current = new int[rb.Length + 1];
        for (int j = 0; j <= rb.Length; j++) previous[j] = j;
        for (int i = 1; i <= ra.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= rb.Length; j++)
            {
                int substitute = previous[j - 1] + (ra[i - 1] == rb[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[rb.Length];
    }
}
