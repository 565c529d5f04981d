using System.Globalization;
using System.Text.RegularExpressions;

namespace Quai.Engine.Events;

/// <summary>The times Docker's <c>--since</c>, <c>--until</c> and <c>until=</c> filters accept (moby's
/// GetTimestamp): a Go duration before now (<c>10m</c>, <c>1h30m</c>), RFC 3339 with or without fraction and zone,
/// <c>2006-01-02T15:04:05</c>, <c>2006-01-02T15:04</c>, <c>2006-01-02</c> (local time when no zone), or Unix seconds
/// with an optional fraction (<c>1700000000.5</c>).</summary>
public static partial class DockerTime
{
    [GeneratedRegex(@"^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)(((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*)$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")]
    private static partial Regex DurationPart();

    /// <summary>Go's time.ParseDuration (without "0" alone meaning zero is also accepted).</summary>
    public static bool TryParseDuration(string s, out TimeSpan d)
    {
        d = TimeSpan.Zero;
        if (s == "0") return true;
        if (!DurationPattern().IsMatch(s)) return false;
        double ns = 0;
        foreach (Match m in DurationPart().Matches(s))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ns += n * m.Groups[2].Value switch
            {
                "ns" => 1, "us" or "µs" or "μs" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, _ => 3600e9,
            };
        }
        if (s.StartsWith('-')) ns = -ns;
        d = TimeSpan.FromTicks((long)(ns / 100));
        return true;
    }

    private static readonly string[] ZonedFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HHK", "yyyy-MM-ddK",
    ];

    private static readonly string[] LocalFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH", "yyyy-MM-dd",
    ];

    /// <summary>Parses <paramref name="value"/> relative to <paramref name="now"/>; a clear FormatException otherwise.</summary>
    public static DateTimeOffset Parse(string value, DateTimeOffset now)
    {
        if (TryParse(value, now, out var t)) return t;
        throw new FormatException($"failed to parse value as time or duration: \"{value}\"");
    }

    public static bool TryParse(string value, DateTimeOffset now, out DateTimeOffset t)
    {
        t = default;
        value = value.Trim();
        if (value.Length == 0) return false;
        if (TryParseDuration(value, out var d)) { t = now - d; return true; }
        var ns = value.Replace(" ", "T", StringComparison.Ordinal);
        if (ns.EndsWith('Z') || HasZone(ns))
        {
            if (DateTimeOffset.TryParseExact(ns, ZonedFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out t)) return true;
        }
        else if (DateTime.TryParseExact(ns, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
        {
            t = new DateTimeOffset(local);
            return true;
        }
        // Unix seconds, optionally with a fraction (nanoseconds)
        var parts = value.Split('.');
        if (parts.Length <= 2 && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sec)
            && (parts.Length == 1 || (parts[1].Length is > 0 and <= 9 && parts[1].All(char.IsAsciiDigit))))
        {
            long nanos = parts.Length == 2 ? long.Parse(parts[1].PadRight(9, '0'), CultureInfo.InvariantCulture) : 0;
            t = DateTimeOffset.FromUnixTimeSeconds(sec).AddTicks(nanos / 100);
            return true;
        }
        return false;
    }

    private static bool HasZone(string s)
    {
        var tpos = s.IndexOf('T');
        if (tpos < 0) return s.Length > 10 && (s[10] is '+' or '-');
        var rest = s[tpos..];
        return rest.Contains('+') || rest.Contains('-');
    }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public static long UnixNanos(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
