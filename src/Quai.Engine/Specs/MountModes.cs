using Quai.Engine.Containers;

namespace Quai.Engine.Specs;

/// <summary>The mode field of `-v SRC:DST:MODE` (moby's Linux parser): a comma list with at most one of each
/// kind — rw|ro, z|Z, a propagation, nocopy, a consistency (accepted, meaningless on Linux).</summary>
public static class MountModes
{
    private static readonly string[][] Kinds =
    [
        ["rw", "ro"],
        ["z", "Z"],
        ["shared", "rshared", "slave", "rslave", "private", "rprivate"],
        ["nocopy"],
        ["consistent", "cached", "delegated"],
    ];

    public static void Check(string mode)
    {
        if (mode.Length == 0) return;
        var seen = new bool[Kinds.Length];
        foreach (var part in mode.Split(','))
        {
            var kind = Array.FindIndex(Kinds, k => k.Contains(part, StringComparer.Ordinal));
            if (kind < 0 || seen[kind]) throw new EngineUsageException($"invalid mode: {mode}");
            seen[kind] = true;
        }
    }
}
