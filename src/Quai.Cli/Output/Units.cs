using System.Globalization;

namespace Quai.Cli.Output;

/// <summary>Docker's human-readable sizes and durations (go-units HumanSize / HumanDuration).</summary>
public static class Units
{
    private static readonly string[] Decimal = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

    /// <summary>3 significant digits, decimal units: 4.26MB, 855kB, 0B.</summary>
    public static string HumanSize(double size)
    {
        int i = 0;
        while (size >= 1000 && i < Decimal.Length - 1) { size /= 1000; i++; }
        return size.ToString("G3", CultureInfo.InvariantCulture) + Decimal[i];
    }

    public static string HumanDuration(TimeSpan d)
    {
        int seconds = (int)d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        int minutes = (int)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        int hours = (int)(d.TotalHours + 0.5);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(int)d.TotalHours / 24 / 365} years";
    }

    public static string Ago(DateTimeOffset? t) => t is { } v ? HumanDuration(DateTimeOffset.UtcNow - v) + " ago" : "N/A";

    /// <summary>RFC 3339 as Docker prints it with --human=false.</summary>
    public static string Rfc3339(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";
}
