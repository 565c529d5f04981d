using System.Globalization;
using Quai.Engine.Containers;

namespace Quai.Engine.Specs;

/// <summary>Docker's size and duration parsing (go-units RAMInBytes, Go durations).</summary>
public static class Units
{
    public static long RamInBytes(string s)
    {
        var t = s.Trim().ToLowerInvariant();
        var i = 0;
        while (i < t.Length && (char.IsDigit(t[i]) || t[i] == '.')) i++;
        if (i == 0 || !double.TryParse(t[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            throw new EngineUsageException($"invalid size: '{s}'");
        var unit = t[i..].TrimEnd('b', 'i');
        long mul = unit switch
        {
            "" => 1, "k" => 1L << 10, "m" => 1L << 20, "g" => 1L << 30, "t" => 1L << 40, "p" => 1L << 50,
            _ => throw new EngineUsageException($"invalid size: '{s}'"),
        };
        return (long)(n * mul);
    }

    /// <summary>Go's time.ParseDuration subset: 1h2m3.5s, 500ms, 10us, 3ns.</summary>
    public static TimeSpan ParseDuration(string s)
    {
        if (s == "0") return TimeSpan.Zero;
        double total = 0;
        var i = 0;
        if (s.Length == 0) throw new EngineUsageException($"time: invalid duration \"{s}\"");
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
            if (start == i) throw new EngineUsageException($"time: invalid duration \"{s}\"");
            var n = double.Parse(s[start..i], CultureInfo.InvariantCulture);
            var u = i;
            while (i < s.Length && !char.IsDigit(s[i]) && s[i] != '.') i++;
            total += s[u..i] switch
            {
                "h" => n * 3600e9, "m" => n * 60e9, "s" => n * 1e9, "ms" => n * 1e6, "us" or "µs" => n * 1e3, "ns" => n,
                _ => throw new EngineUsageException($"time: {(u == i ? "missing unit" : "unknown unit \"" + s[u..i] + "\"")} in duration \"{s}\""),
            };
        }
        return TimeSpan.FromTicks((long)(total / 100));
    }

    /// <summary>--since/--until: an RFC 3339 time, a Unix timestamp, or a duration before now.</summary>
    public static DateTime ParseTimestamp(string s, DateTime now)
    {
        if (DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)) return t;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var unix))
            return DateTime.UnixEpoch.AddTicks((long)(unix * TimeSpan.TicksPerSecond));
        return now - ParseDuration(s);
    }
}
