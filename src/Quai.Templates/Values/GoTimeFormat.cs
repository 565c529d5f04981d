using System.Globalization;

namespace Quai.Templates.Values;

/// <summary>Go's time layouts that Docker's output uses.</summary>
public static class GoTimeFormat
{
    /// <summary><c>time.Time.String()</c>: <c>2006-01-02 15:04:05.999999999 -0700 MST</c> (UTC is named <c>UTC</c>).</summary>
    public static string String(DateTimeOffset t)
    {
        var frac = Fraction(t, trim: true);
        var offset = Offset(t.Offset, colon: false);
        var zone = t.Offset == TimeSpan.Zero ? "UTC" : offset;
        return t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + frac + " " + offset + " " + zone;
    }

    /// <summary>RFC3339Nano (<c>2006-01-02T15:04:05.999999999Z07:00</c>): trailing zeros of the fraction dropped.</summary>
    public static string Rfc3339Nano(DateTimeOffset t) =>
        t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(t, trim: true) + Zone(t.Offset);

    /// <summary>Docker's RFC3339NanoFixed (<c>logs -t</c>, events): always nine digits.</summary>
    public static string Rfc3339NanoFixed(DateTimeOffset t) =>
        t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(t, trim: false) + Zone(t.Offset);

    private static string Zone(TimeSpan offset) => offset == TimeSpan.Zero ? "Z" : Offset(offset, colon: true);

    private static string Fraction(DateTimeOffset t, bool trim)
    {
        long nanos = t.Ticks % TimeSpan.TicksPerSecond * 100;
        var s = nanos.ToString("D9", CultureInfo.InvariantCulture);
        if (trim) s = s.TrimEnd('0');
        return s.Length == 0 ? "" : "." + s;
    }

    private static string Offset(TimeSpan o, bool colon)
    {
        var sign = o < TimeSpan.Zero ? "-" : "+";
        o = o.Duration();
        return sign + o.Hours.ToString("D2", CultureInfo.InvariantCulture) + (colon ? ":" : "") + o.Minutes.ToString("D2", CultureInfo.InvariantCulture);
    }
}
