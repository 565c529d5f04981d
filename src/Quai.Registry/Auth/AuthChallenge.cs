using System.Text;

namespace Quai.Registry.Auth;

/// <summary>One challenge of a <c>WWW-Authenticate</c> header (RFC 7235): <c>Bearer realm="…",service="…",scope="…"</c>
/// or <c>Basic realm="…"</c>. Scheme names compare case-insensitively, parameter names too.</summary>
public sealed class AuthChallenge
{
    public string Scheme { get; }
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public AuthChallenge(string scheme, IReadOnlyDictionary<string, string> parameters) { Scheme = scheme; Parameters = parameters; }

    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);
    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>Every challenge of every header value; malformed parts are skipped, never thrown on
    /// (a registry's odd header must not hide the challenges that parse).</summary>
    public static IReadOnlyList<AuthChallenge> Parse(IEnumerable<string> headerValues)
    {
        var result = new List<AuthChallenge>();
        foreach (var value in headerValues) ParseOne(value, result);
        return result;
    }

    public static IReadOnlyList<AuthChallenge> Parse(string headerValue) => Parse([headerValue]);

    private static void ParseOne(string s, List<AuthChallenge> into)
    {
        int i = 0;
        string? scheme = null;
        Dictionary<string, string>? ps = null;
        while (i < s.Length)
        {
            SkipSpaceAndCommas(s, ref i);
            var token = ReadToken(s, ref i);
            if (token.Length == 0) { if (i < s.Length) i++; continue; }   // stray character: skip it
            int afterToken = i;
            SkipSpace(s, ref i);
            if (scheme is not null && i < s.Length && s[i] == '=')
            {
                i++;
                SkipSpace(s, ref i);
                if (i >= s.Length || s[i] is '=' or ',')
                {
                    // token68 ("Negotiate abc=="): not a parameter; skip its padding
                    while (i < s.Length && s[i] == '=') i++;
                    continue;
                }
                ps![token] = s[i] == '"' ? ReadQuoted(s, ref i) : ReadBare(s, ref i);
                continue;
            }
            i = afterToken;
            if (scheme is not null) into.Add(new AuthChallenge(scheme, ps!));
            scheme = token;
            ps = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        }
        if (scheme is not null) into.Add(new AuthChallenge(scheme, ps!));
    }

    private static void SkipSpace(string s, ref int i) { while (i < s.Length && s[i] is ' ' or '\t') i++; }
    private static void SkipSpaceAndCommas(string s, ref int i) { while (i < s.Length && s[i] is ' ' or '\t' or ',') i++; }

    private static string ReadToken(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && IsTokenChar(s[i])) i++;
        return s[start..i];
    }

    // RFC 7230 tchar
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    // An unquoted value, leniently up to the next comma or space (some servers leave URLs unquoted).
    private static string ReadBare(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && s[i] is not (',' or ' ' or '\t')) i++;
        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++; // opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length) i++;
            sb.Append(s[i++]);
        }
        if (i < s.Length) i++; // closing quote
        return sb.ToString();
    }
}
