using System.Text.Json;
using Quai.Oci.Image;

namespace Quai.Images.Archives;

/// <summary>Applies Dockerfile-style <c>--change</c> instructions (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE,
/// VOLUME, LABEL, STOPSIGNAL, ONBUILD) to an image config, as <c>docker import -c</c> and <c>docker commit -c</c> do.</summary>
public static class ConfigChanges
{
    public static void Apply(ContainerConfig config, IEnumerable<string> changes)
    {
        foreach (var change in changes)
        {
            var trimmed = change.Trim();
            int sp = trimmed.IndexOfAny([' ', '\t']);
            if (sp < 0) throw new FormatException($"invalid change \"{change}\": expected INSTRUCTION arguments");
            var instruction = trimmed[..sp].ToUpperInvariant();
            var args = trimmed[(sp + 1)..].Trim();
            switch (instruction)
            {
                case "CMD": config.Cmd = Command(args, change); break;
                case "ENTRYPOINT": config.Entrypoint = Command(args, change); break;
                case "ENV":
                    config.Env ??= [];
                    foreach (var (k, v) in Pairs(args, change, legacySpace: true))
                    {
                        config.Env.RemoveAll(e => e.StartsWith(k + "=", StringComparison.Ordinal));
                        config.Env.Add($"{k}={v}");
                    }
                    break;
                case "LABEL":
                    config.Labels ??= [];
                    foreach (var (k, v) in Pairs(args, change, legacySpace: false)) config.Labels[k] = v;
                    break;
                case "WORKDIR":
                    config.WorkingDir = args.StartsWith('/') || string.IsNullOrEmpty(config.WorkingDir) ? NormalizeDir(args) : NormalizeDir(config.WorkingDir + "/" + args);
                    break;
                case "USER": config.User = args; break;
                case "STOPSIGNAL": config.StopSignal = args; break;
                case "EXPOSE":
                    config.ExposedPorts ??= [];
                    foreach (var p in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        config.ExposedPorts[p.Contains('/') ? p : p + "/tcp"] = new EmptyObject();
                    break;
                case "VOLUME":
                    config.Volumes ??= [];
                    foreach (var v in args.StartsWith('[') ? JsonArray(args, change) : [.. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)])
                        config.Volumes[v] = new EmptyObject();
                    break;
                case "ONBUILD": (config.OnBuild ??= []).Add(args); break;
                default: throw new FormatException($"invalid change \"{change}\": {instruction} is not supported (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)");
            }
        }
    }

    private static string NormalizeDir(string p) => "/" + string.Join('/', p.Split('/', StringSplitOptions.RemoveEmptyEntries));

    private static List<string> Command(string args, string change)
        => args.StartsWith('[') ? JsonArray(args, change) : ["/bin/sh", "-c", args];

    private static List<string> JsonArray(string args, string change)
    {
        try
        {
            using var doc = JsonDocument.Parse(args);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException($"invalid change \"{change}\": expected a JSON array");
            return doc.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!
                : throw new FormatException($"invalid change \"{change}\": array items must be strings")).ToList();
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid change \"{change}\": {e.Message}", e);
        }
    }

    private static IEnumerable<(string, string)> Pairs(string args, string change, bool legacySpace)
    {
        var words = SplitWords(args);
        if (words.Count == 0) throw new FormatException($"invalid change \"{change}\": missing arguments");
        if (!words[0].Contains('='))
        {
            if (!legacySpace || words.Count < 2) throw new FormatException($"invalid change \"{change}\": expected KEY=VALUE");
            yield return (words[0], string.Join(' ', words.Skip(1)));
            yield break;
        }
        foreach (var w in words)
        {
            int eq = w.IndexOf('=');
            if (eq <= 0) throw new FormatException($"invalid change \"{change}\": \"{w}\" is not KEY=VALUE");
            yield return (w[..eq], w[(eq + 1)..]);
        }
    }

    /// <summary>Splits on spaces, honouring double and single quotes and backslash escapes.</summary>
    private static List<string> SplitWords(string s)
    {
        var words = new List<string>();
        var cur = new System.Text.StringBuilder();
        char quote = '\0';
        bool any = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length && quote != '\'') { cur.Append(s[++i]); any = true; continue; }
            if (quote != '\0') { if (c == quote) quote = '\0'; else cur.Append(c); continue; }
            if (c is '"' or '\'') { quote = c; any = true; continue; }
            if (char.IsWhiteSpace(c)) { if (any) { words.Add(cur.ToString()); cur.Clear(); any = false; } continue; }
            cur.Append(c);
            any = true;
        }
        if (any) words.Add(cur.ToString());
        return words;
    }
}
