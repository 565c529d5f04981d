namespace Quai.Build.Lint;

/// <summary>
/// The <c># check=</c> directive's options, or the <c>BUILDKIT_DOCKERFILE_CHECK</c> build arg's (which
/// replaces the directive): <c>skip=Rule1,Rule2|all</c>, <c>error=true|false</c>,
/// <c>experimental=Rule1,Rule2|all</c>, separated by <c>;</c>.
/// </summary>
public sealed record CheckOptions
{
    /// <summary>No skip, no error, no experimental rules.</summary>
    public static CheckOptions Default { get; } = new();

    /// <summary>The rules skipped by name.</summary>
    public IReadOnlySet<string> Skip { get; init; } = new HashSet<string>();

    /// <summary><c>skip=all</c>: every rule that is not enabled as experimental is skipped.</summary>
    public bool SkipAll { get; init; }

    /// <summary><c>error=true</c>: a violation fails the build (and the check).</summary>
    public bool Error { get; init; }

    /// <summary>The experimental rules enabled by name.</summary>
    public IReadOnlySet<string> Experimental { get; init; } = new HashSet<string>();

    /// <summary><c>experimental=all</c>.</summary>
    public bool ExperimentalAll { get; init; }

    /// <summary>Whether <paramref name="rule"/> runs: an experimental rule only when enabled (even with skip=all), the others unless skipped.</summary>
    public bool Runs(LintRule rule) => rule.Experimental
        ? ExperimentalAll || Experimental.Contains(rule.Name)
        : !(SkipAll || Skip.Contains(rule.Name));

    /// <summary>Parses the options; throws <see cref="FormatException"/> with BuildKit's wording for a bad one.</summary>
    public static CheckOptions Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Default;
        var skip = new HashSet<string>();
        var experimental = new HashSet<string>();
        bool skipAll = false, experimentalAll = false, error = false;
        foreach (var raw in text.Split(';'))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            int eq = part.IndexOf('=');
            if (eq < 0) throw new FormatException($"invalid check option {Quote(part)}");
            string key = part[..eq].Trim().ToLowerInvariant(), value = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "skip":
                    foreach (var name in Names(value))
                        if (name.Equals("all", StringComparison.OrdinalIgnoreCase)) skipAll = true;
                        else skip.Add(name);
                    break;
                case "experimental":
                    foreach (var name in Names(value))
                        if (name.Equals("all", StringComparison.OrdinalIgnoreCase)) experimentalAll = true;
                        else experimental.Add(name);
                    break;
                case "error":
                    error = value.ToLowerInvariant() switch
                    {
                        "true" or "1" or "t" => true,
                        "false" or "0" or "f" or "" => false,
                        _ => throw new FormatException($"failed to parse check option {Quote(part)}: invalid boolean value {Quote(value)}"),
                    };
                    break;
                default:
                    throw new FormatException($"invalid check option {Quote(part)}");
            }
        }
        return new CheckOptions { Skip = skip, SkipAll = skipAll, Error = error, Experimental = experimental, ExperimentalAll = experimentalAll };
    }

    private static IEnumerable<string> Names(string csv) =>
        csv.Split(',').Select(n => n.Trim()).Where(n => n.Length > 0);

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
