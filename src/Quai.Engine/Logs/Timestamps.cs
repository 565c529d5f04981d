using System.Text.RegularExpressions;

namespace Quai.Engine.Logs;

/// <summary>Docker's RFC3339NanoFixed (<c>logs -t</c>, the API's logs?timestamps=1): always nine fraction digits, <c>Z</c> for UTC.</summary>
public static partial class Timestamps
{
    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")]
    private static partial Regex Rfc3339();

    /// <summary>A stored RFC 3339 time with its fraction padded (or cut) to nine digits; anything else unchanged.</summary>
    public static string NanoFixed(string time)
    {
        var m = Rfc3339().Match(time);
        if (!m.Success) return time;
        var frac = m.Groups[2].Value;
        frac = frac.Length >= 9 ? frac[..9] : frac.PadRight(9, '0');
        var zone = m.Groups[3].Value is "+00:00" or "-00:00" ? "Z" : m.Groups[3].Value;
        return m.Groups[1].Value + "." + frac + zone;
    }
}
