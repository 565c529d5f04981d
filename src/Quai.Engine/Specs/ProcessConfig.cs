namespace Quai.Engine.Specs;

/// <summary>The pure rules of Docker's container config: command line and environment.</summary>
public static class ProcessConfig
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Entrypoint + Cmd as Docker combines them: an --entrypoint resets the image's Cmd;
    /// a command given on the command line replaces the image's Cmd; an empty --entrypoint "" clears it.</summary>
    public static (List<string>? Entrypoint, List<string>? Cmd) Combine(
        IReadOnlyList<string>? imageEntrypoint, IReadOnlyList<string>? imageCmd,
        IReadOnlyList<string>? entrypointOverride, IReadOnlyList<string>? userCmd)
    {
        List<string>? entrypoint = imageEntrypoint?.ToList();
        List<string>? cmd = imageCmd?.ToList();
        if (entrypointOverride is not null)
        {
            entrypoint = entrypointOverride.Count == 1 && entrypointOverride[0] == "" ? null : entrypointOverride.ToList();
            cmd = null;
        }
        if (userCmd is { Count: > 0 }) cmd = userCmd.ToList();
        return (entrypoint is { Count: > 0 } ? entrypoint : null, cmd is { Count: > 0 } ? cmd : null);
    }

    public static List<string> Args(IReadOnlyList<string>? entrypoint, IReadOnlyList<string>? cmd) => [.. entrypoint ?? [], .. cmd ?? []];

    /// <summary>Later entries replace earlier ones with the same key; a bare "KEY" (no '=') in
    /// <paramref name="overrides"/> takes the value from <paramref name="lookup"/> or is dropped.</summary>
    public static List<string> MergeEnv(IEnumerable<string> baseEnv, IEnumerable<string> overrides, Func<string, string?>? lookup = null)
    {
        var result = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        void Set(string entry)
        {
            var eq = entry.IndexOf('=');
            var key = eq < 0 ? entry : entry[..eq];
            if (index.TryGetValue(key, out var i)) result[i] = entry;
            else { index[key] = result.Count; result.Add(entry); }
        }
        foreach (var e in baseEnv) Set(e);
        foreach (var e in overrides)
        {
            if (e.Contains('=')) Set(e);
            else if ((lookup ?? Environment.GetEnvironmentVariable)(e) is { } v) Set(e + "=" + v);
        }
        return result;
    }

    /// <summary>--env-file: KEY=VALUE lines, '#' comments and blank lines ignored, bare KEY from the host.</summary>
    public static List<string> ParseEnvFile(string path)
    {
        var list = new List<string>();
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new Containers.EngineUsageException($"open {path}: no such file or directory"); }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        { throw new Containers.EngineUsageException($"read {path}: is a directory"); }
        catch (UnauthorizedAccessException) { throw new Containers.EngineUsageException($"open {path}: permission denied"); }
        catch (IOException e) { throw new Containers.EngineUsageException($"read {path}: {e.Message}"); }
        foreach (var raw in lines)
        {
            var line = raw.TrimStart();
            if (line.Length == 0 || line[0] == '#') continue;
            var eq = line.IndexOf('=');
            var key = eq < 0 ? line : line[..eq];
            if (key.Length == 0 || key.Any(char.IsWhiteSpace)) throw new Containers.EngineUsageException($"invalid env file ({path}): variable '{key}' contains whitespaces");
            list.Add(eq < 0 ? key : line);
        }
        return list;
    }
}
