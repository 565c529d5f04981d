namespace Quai.Build.Syntax;

/// <summary>Go's time.ParseDuration ("1h30m", "1.5s", "300ms", "-2us"), with its error messages.</summary>
internal static class GoDuration
{
    private const ulong Overflow = 1UL << 63;

    /// <summary>The duration in nanoseconds; throws a <see cref="SyntaxError"/> worded as Go's.</summary>
    public static long ParseNanoseconds(string s)
    {
        string original = s;
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            i = 1;
        }
        if (s.Length - i == 1 && s[i] == '0') return 0;
        if (i == s.Length) throw Invalid(original);

        ulong total = 0;
        while (i < s.Length)
        {
            ulong whole = 0, fraction = 0;
            double scale = 1;
            if (!(s[i] == '.' || IsDigit(s[i]))) throw Invalid(original);

            int start = i;
            for (; i < s.Length && IsDigit(s[i]); i++)
            {
                if (whole > Overflow / 10) throw Invalid(original);
                whole = whole * 10 + (ulong)(s[i] - '0');
                if (whole > Overflow) throw Invalid(original);
            }
            bool pre = i != start;

            bool post = false;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                int fractionStart = i;
                bool overflow = false;
                for (; i < s.Length && IsDigit(s[i]); i++)
                {
                    if (overflow) continue;
                    if (fraction > (Overflow - 1) / 10) { overflow = true; continue; }
                    ulong next = fraction * 10 + (ulong)(s[i] - '0');
                    if (next > Overflow) { overflow = true; continue; }
                    fraction = next;
                    scale *= 10;
                }
                post = i != fractionStart;
            }
            if (!pre && !post) throw Invalid(original);

            int unitStart = i;
            while (i < s.Length && !(s[i] == '.' || IsDigit(s[i]))) i++;
            if (i == unitStart) throw new SyntaxError("time: missing unit in duration " + GoText.TimeQuote(original));
            string unitName = s[unitStart..i];
            ulong unit = unitName switch
            {
                "ns" => 1,
                "us" or "\u00b5s" or "\u03bcs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                _ => 0,
            };
            if (unit == 0)
                throw new SyntaxError($"time: unknown unit {GoText.TimeQuote(unitName)} in duration {GoText.TimeQuote(original)}");
            if (whole > Overflow / unit) throw Invalid(original);
            whole *= unit;
            if (fraction > 0)
            {
                whole += (ulong)(fraction * (unit / scale));
                if (whole > Overflow) throw Invalid(original);
            }
            total += whole;
            if (total > Overflow) throw Invalid(original);
        }
        if (negative) return unchecked(-(long)total);
        if (total > Overflow - 1) throw Invalid(original);
        return (long)total;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static SyntaxError Invalid(string original) => new("time: invalid duration " + GoText.TimeQuote(original));
}
