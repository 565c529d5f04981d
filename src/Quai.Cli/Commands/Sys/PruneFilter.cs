using Quai.Engine.Events;

namespace Quai.Cli.Commands.Sys;

/// <summary>The filters of docker's prune commands: <c>until=TIME</c> (older than; Docker's time formats, e.g.
/// <c>24h</c>), <c>label=KEY</c> / <c>label=KEY=VALUE</c> (has) and <c>label!=…</c> (has not). Other keys are
/// refused with docker's <c>invalid filter 'KEY'</c>.</summary>
public sealed class PruneFilter
{
    public DateTimeOffset? Until { get; private set; }
    private readonly List<string> _labels = [], _notLabels = [];
    public List<string> Specs { get; } = [];
    public bool IsEmpty => Specs.Count == 0;

    public static PruneFilter Parse(IEnumerable<string> specs, bool allowUntil = true)
    {
        var f = new PruneFilter();
        foreach (var spec in specs)
        {
            var eq = spec.IndexOf('=');
            if (eq <= 0) throw new UsageException("bad format of filter (expected name=value)");
            var key = spec[..eq].ToLowerInvariant();
            var value = spec[(eq + 1)..];
            switch (key)
            {
                case "until" when allowUntil: f.Until = DockerTime.Parse(value, DateTimeOffset.Now); break;
                case "label": f._labels.Add(value); break;
                case "label!": f._notLabels.Add(value); break;
                default: throw new UsageException($"invalid filter '{key}'");
            }
            f.Specs.Add(spec);
        }
        return f;
    }

    private static bool Has(IReadOnlyDictionary<string, string>? labels, string spec)
    {
        if (labels is null) return false;
        var eq = spec.IndexOf('=');
        return eq < 0 ? labels.ContainsKey(spec) : labels.TryGetValue(spec[..eq], out var v) && v == spec[(eq + 1)..];
    }

    public bool Matches(DateTimeOffset? created, IReadOnlyDictionary<string, string>? labels)
    {
        if (Until is { } u && (created is not { } c || c >= u)) return false;
        if (_labels.Any(l => !Has(labels, l))) return false;
        if (_notLabels.Any(l => Has(labels, l))) return false;
        return true;
    }
}
