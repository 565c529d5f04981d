namespace Quai.Engine.Events;

/// <summary><c>events --filter</c> as dockerd applies it: values of one key are alternatives, different keys must all
/// match. Keys: container (ID, ID prefix or name), event (the action; <c>health_status</c> matches
/// <c>health_status: healthy</c>), type, image (an image's ID or name, a container's image), label (<c>key</c> or
/// <c>key=value</c> among the attributes), volume, network, scope, daemon.</summary>
public sealed class EventFilter
{
    private static readonly HashSet<string> Keys = ["container", "event", "type", "image", "label", "volume", "network", "scope", "daemon", "plugin", "node", "service", "secret", "config"];
    private static readonly HashSet<string> Types = ["container", "image", "volume", "network", "daemon", "plugin", "node", "service", "secret", "config"];

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    /// <summary>Parses <c>key=value</c> specs; a bad one is a FormatException with Docker's message.</summary>
    public static EventFilter Parse(IEnumerable<string> specs)
    {
        var f = new EventFilter();
        foreach (var spec in specs)
        {
            var eq = spec.IndexOf('=');
            if (eq <= 0) throw new FormatException($"bad format of filter (expected name=value)");
            var key = spec[..eq].ToLowerInvariant();
            var value = spec[(eq + 1)..];
            if (!Keys.Contains(key)) throw new FormatException($"invalid filter '{key}'");
            if (key == "type" && !Types.Contains(value)) throw new FormatException($"invalid filter 'type={value}'");
            if (!f._values.TryGetValue(key, out var list)) f._values[key] = list = [];
            list.Add(value);
        }
        return f;
    }

    public bool Matches(EngineEvent e)
    {
        foreach (var (key, values) in _values)
            if (!values.Any(v => Match(key, v, e))) return false;
        return true;
    }

    private static bool Match(string key, string v, EngineEvent e) => key switch
    {
        "type" => e.Type == v,
        "event" => e.Action == v || (e.Action.IndexOf(':') is var c and > 0 && e.Action[..c] == v),
        "container" => e.Type == "container" && (e.ActorId == v || (v.Length >= 1 && e.ActorId.StartsWith(v, StringComparison.Ordinal)) || Attr(e, "name") == v),
        "image" => ImageMatch(e, v),
        "label" => v.IndexOf('=') is var eq and > 0 ? Attr(e, v[..eq]) == v[(eq + 1)..] : e.Attributes.ContainsKey(v),
        "volume" => e.Type == "volume" && e.ActorId == v,
        "network" => e.Type == "network" && (e.ActorId == v || Attr(e, "name") == v),
        "scope" => e.Scope == v,
        "daemon" => e.Type == "daemon" && e.ActorId == v,
        _ => e.Type == key && (e.ActorId == v || Attr(e, "name") == v),
    };

    private static string? Attr(EngineEvent e, string k) => e.Attributes.TryGetValue(k, out var x) ? x : null;

    private static bool ImageMatch(EngineEvent e, string v)
    {
        static string Strip(string s) => s.EndsWith(":latest", StringComparison.Ordinal) ? s[..^7] : s;
        var candidates = e.Type == "container" ? new[] { Attr(e, "image") } : e.Type == "image" ? new[] { e.ActorId, Attr(e, "name") } : [];
        foreach (var c in candidates)
        {
            if (c is null) continue;
            if (c == v || Strip(c) == Strip(v)) return true;
            if (c.StartsWith("sha256:", StringComparison.Ordinal) && (c[7..].StartsWith(v, StringComparison.Ordinal) || c.StartsWith(v, StringComparison.Ordinal)) && v.Length >= 4) return true;
            if (Strip(c).EndsWith("/" + Strip(v), StringComparison.Ordinal) && c.StartsWith("docker.io/", StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
