using System.Globalization;
using System.Text;

namespace Quai.Templates.Formatting;

/// <summary>Go's strconv float formats (<c>'g'</c> shortest as <c>%v</c> prints, <c>'e'</c>, <c>'f'</c>) and
/// encoding/json's float rule.</summary>
public static class GoFloat
{
    /// <summary>Shortest decimal digits that round-trip, and the decimal point position (value = 0.digits × 10^dp).</summary>
    private static (string Digits, int Dp) Shortest(double v)
    {
        var r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        int exp = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0) { exp = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture); r = r[..e]; }
        var dot = r.IndexOf('.');
        string intPart = dot < 0 ? r : r[..dot], fracPart = dot < 0 ? "" : r[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        int lead = (intPart + fracPart).Length - digits.Length;
        int dp = intPart.Length + exp - lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return ("0", 1);
        return (digits, dp);
    }

    /// <summary><c>%v</c> / <c>%g</c>: with the shortest precision (-1) the exponent form is used when exp &lt; -4 or ≥ 6
    /// (<c>1e+06</c>), with a precision when exp ≥ it.</summary>
    public static string FormatG(double v, int prec = -1)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "+Inf";
        if (double.IsNegativeInfinity(v)) return "-Inf";
        string digits; int dp;
        if (prec < 0) (digits, dp) = Shortest(v);
        else
        {
            if (prec == 0) prec = 1;
            var s = Math.Abs(v).ToString("E" + (prec - 1), CultureInfo.InvariantCulture);
            var ei = s.IndexOf('E');
            digits = s[..ei].Replace(".", "").TrimEnd('0');
            if (digits.Length == 0) digits = "0";
            dp = int.Parse(s[(ei + 1)..], CultureInfo.InvariantCulture) + 1;
            if (v == 0) { digits = "0"; dp = 1; }
        }
        var neg = v < 0 || (v == 0 && double.IsNegative(v));
        int eprec = prec < 0 ? 6 : prec;
        if (prec >= 0 && eprec > digits.Length && digits.Length >= dp) eprec = digits.Length;
        int exp = dp - 1;
        var sb = new StringBuilder();
        if (neg) sb.Append('-');
        if (digits == "0") { sb.Append('0'); return sb.ToString(); }
        if (exp < -4 || exp >= eprec)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            AppendExp(sb, exp);
        }
        else AppendFixed(sb, digits, dp, Math.Max(digits.Length - dp, 0));
        return sb.ToString();
    }

    private static void AppendExp(StringBuilder sb, int exp)
    {
        sb.Append('e').Append(exp < 0 ? '-' : '+');
        var a = Math.Abs(exp);
        if (a < 10) sb.Append('0');
        sb.Append(a.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendFixed(StringBuilder sb, string digits, int dp, int fracDigits)
    {
        if (dp <= 0) sb.Append('0');
        else for (int i = 0; i < dp; i++) sb.Append(i < digits.Length ? digits[i] : '0');
        if (fracDigits > 0)
        {
            sb.Append('.');
            for (int i = 0; i < fracDigits; i++)
            {
                int j = dp + i;
                sb.Append(j >= 0 && j < digits.Length ? digits[j] : '0');
            }
        }
    }

    /// <summary><c>%e</c> with a precision (default 6).</summary>
    public static string FormatE(double v, int prec, bool upper = false)
    {
        var s = v.ToString((upper ? "E" : "e") + prec, CultureInfo.InvariantCulture); // 1.234560e+003
        var ei = s.IndexOfAny(['e', 'E']);
        var exp = int.Parse(s[(ei + 1)..], CultureInfo.InvariantCulture);
        var sb = new StringBuilder(s[..ei]);
        var tail = new StringBuilder();
        AppendExp(tail, exp);
        if (upper) tail[0] = 'E';
        return sb.Append(tail).ToString();
    }

    /// <summary><c>%f</c> with a precision (default 6).</summary>
    public static string FormatF(double v, int prec) => v.ToString("F" + prec, CultureInfo.InvariantCulture);

    /// <summary>encoding/json: <c>'f'</c> form unless |v| &lt; 1e-6 or ≥ 1e21, then <c>'e'</c> with a short exponent.</summary>
    public static string Json(double v)
    {
        var a = Math.Abs(v);
        var (digits, dp) = Shortest(v);
        var sb = new StringBuilder();
        if (v < 0) sb.Append('-');
        if (a != 0 && (a < 1e-6 || a >= 1e21))
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            int exp = dp - 1;
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (a == 0) return v < 0 || double.IsNegative(v) ? "-0" : "0";
        AppendFixed(sb, digits, dp, Math.Max(digits.Length - dp, 0));
        return sb.ToString();
    }
}
