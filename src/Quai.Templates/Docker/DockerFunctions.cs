using System.Text;
using Quai.Templates.Exec;
using Quai.Templates.Formatting;
using Quai.Templates.Values;

namespace Quai.Templates.Docker;

/// <summary>docker-cli's template functions (<c>json split join title lower upper pad truncate</c>), and the identity
/// versions it uses to print a table's header row.</summary>
public static class DockerFunctions
{
    public static IReadOnlyDictionary<string, FunctionDef> Basic { get; } = new Dictionary<string, FunctionDef>(StringComparer.Ordinal)
    {
        ["json"] = new(a => GoJson.Encode(Args.Any(a[0]), escapeHtml: false), 1, 1),
        ["split"] = new(a => Split(Args.String(a[0]), Args.String(a[1])), 2, 2) { Params = ["string", "string"] },
        ["join"] = new(a => string.Join(Args.String(a[1]), Args.Strings(a[0])), 2, 2) { Params = ["[]string", "string"] },
        ["title"] = new(a => Title(Args.String(a[0])), 1, 1) { Params = ["string"] },
        ["lower"] = new(a => Args.String(a[0]).ToLowerInvariant(), 1, 1) { Params = ["string"] },
        ["upper"] = new(a => Args.String(a[0]).ToUpperInvariant(), 1, 1) { Params = ["string"] },
        ["pad"] = new(a => Pad(Args.String(a[0]), Args.Int(a[1]), Args.Int(a[2])), 3, 3) { Params = ["string", "int", "int"] },
        ["truncate"] = new(a => Truncate(Args.String(a[0]), Args.Int(a[1])), 2, 2) { Params = ["string", "int"] },
    };

    /// <summary>docker-cli's HeaderFunctions: the header row shows the column's name unchanged (<c>pad</c> is kept).</summary>
    public static IReadOnlyDictionary<string, FunctionDef> Header { get; } = new Dictionary<string, FunctionDef>(StringComparer.Ordinal)
    {
        ["json"] = new(a => Args.String(a[0]), 1, 1),
        ["split"] = new(a => { Args.String(a[1]); return Args.String(a[0]); }, 2, 2) { Params = ["string", "string"] },
        ["join"] = new(a => { Args.String(a[1]); return Args.String(a[0]); }, 2, 2) { Params = ["[]string", "string"] },
        ["title"] = new(a => Args.String(a[0]), 1, 1) { Params = ["string"] },
        ["lower"] = new(a => Args.String(a[0]), 1, 1) { Params = ["string"] },
        ["upper"] = new(a => Args.String(a[0]), 1, 1) { Params = ["string"] },
        ["pad"] = new(a => Pad(Args.String(a[0]), Args.Int(a[1]), Args.Int(a[2])), 3, 3) { Params = ["string", "int", "int"] },
        ["truncate"] = new(a => { Args.Int(a[1]); return Args.String(a[0]); }, 2, 2) { Params = ["string", "int"] },
    };

    /// <summary><c>strings.Split</c>: an empty separator splits into UTF-8 sequences; an empty string gives [""].</summary>
    private static GoSlice Split(string s, string sep)
    {
        if (sep.Length == 0) return GoSlice.Strings(s.EnumerateRunes().Select(r => r.ToString()));
        return GoSlice.Strings(s.Split(sep));
    }

    /// <summary><c>strings.Title</c>: the first letter of each word (after a separator: ASCII other than letters, digits and _, or a space) upper-cased.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder();
        bool prevSep = true;
        foreach (var r in s.EnumerateRunes())
        {
            sb.Append(prevSep ? Rune.ToUpperInvariant(r).ToString() : r.ToString());
            prevSep = r.Value < 0x80 ? !(char.IsAsciiLetterOrDigit((char)r.Value) || r.Value == '_') : !Rune.IsLetterOrDigit(r) && Rune.IsWhiteSpace(r);
        }
        return sb.ToString();
    }

    private static string Pad(string s, long prefix, long suffix) =>
        s.Length == 0 ? s : new string(' ', (int)Math.Max(prefix, 0)) + s + new string(' ', (int)Math.Max(suffix, 0));

    /// <summary>Byte-based, as docker-cli's <c>source[:length]</c>.</summary>
    private static string Truncate(string s, long length)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length < length) return s;
        if (length < 0) throw new FunctionException($"slice bounds out of range [:{length}]");
        return Encoding.UTF8.GetString(bytes, 0, (int)length);
    }
}
