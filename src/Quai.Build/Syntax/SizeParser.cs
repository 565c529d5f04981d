using System.Globalization;

namespace Quai.Build.Syntax;

/// <summary>docker/go-units RAMInBytes: "64m", "1.5GiB", "512k", "100" (bytes); binary multiples, case-insensitive.</summary>
internal static class SizeParser
{
    public static bool TryParseRam(string text, out long bytes)
    {
        bytes = -1;
        int sep = text.LastIndexOfAny("01234567890. ".ToCharArray());
        if (sep < 0) return false;
        string number, suffix;
        if (text[sep] != ' ')
        {
            number = text[..(sep + 1)];
            suffix = text[(sep + 1)..];
        }
        else
        {
            number = text[..sep];
            suffix = text[(sep + 1)..];
        }
        if (!double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out double size) || size < 0)
            return false;
        if (suffix.Length == 0)
        {
            bytes = (long)size;
            return true;
        }
        if (suffix.Length > 3) return false;
        suffix = suffix.ToLowerInvariant();
        if (suffix[0] == 'b')
        {
            if (suffix.Length > 1) return false;
            bytes = (long)size;
            return true;
        }
        long multiplier = suffix[0] switch
        {
            'k' => 1L << 10,
            'm' => 1L << 20,
            'g' => 1L << 30,
            't' => 1L << 40,
            'p' => 1L << 50,
            _ => 0,
        };
        if (multiplier == 0) return false;
        if ((suffix.Length == 2 && suffix[1] != 'b') || (suffix.Length == 3 && suffix[1..] != "ib")) return false;
        bytes = (long)(size * multiplier);
        return true;
    }
}
