namespace Quai.Engine.IntegrationTests;

/// <summary>A temporary build directory (the context is <see cref="Ctx"/>, files outside it go in
/// <see cref="Dir"/>) and the helpers the build test classes share. Tags made through <see cref="Tag"/>
/// are removed at Dispose, also when the test failed.</summary>
public sealed class BuildDir(QuaiHost q) : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("quai-build-test-").FullName;
    public string Ctx => Path.Combine(Dir, "ctx");
    private readonly List<string> _tags = [];

    /// <summary>Writes a file under the context (or, with a leading "../", next to it); returns its path.</summary>
    public string Write(string rel, string text)
    {
        var path = Path.GetFullPath(Path.Combine(Ctx, rel));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A unique tag, removed at Dispose.</summary>
    public string Tag(string prefix)
    {
        var t = QuaiHost.Unique(prefix) + ":1";
        _tags.Add(t);
        return t;
    }

    /// <summary>quai build ARGS… CONTEXT (the context last, as docker takes it).</summary>
    public Result Build(params string[] args) => BuildIn(Ctx, args);

    public Result BuildIn(string context, params string[] args)
    {
        Directory.CreateDirectory(Ctx);
        return q.RunWith(null, TimeSpan.FromSeconds(180), ["build", .. args, context]);
    }

    /// <summary>Builds the context's Dockerfile, asserting success.</summary>
    public Result Ok(params string[] args)
    {
        var r = Build(args);
        Assert.True(r.Code == 0, r.ToString());
        return r;
    }

    public string Inspect(string image, string format) => q.Ok("image", "inspect", "-f", format, image);

    /// <summary>The image's container config as JSON (a field Docker leaves out or null: absent or null here).</summary>
    public System.Text.Json.JsonElement Config(string image) => System.Text.Json.JsonDocument.Parse(Inspect(image, "{{json .Config}}")).RootElement;

    /// <summary>A string array of the image's config (Cmd, Entrypoint, OnBuild…), decoded.</summary>
    public List<string> Strings(string image, string field) => [.. Config(image).GetProperty(field).EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The image's layer diff IDs.</summary>
    public int LayerCount(string image) => System.Text.Json.JsonDocument.Parse(Inspect(image, "{{json .RootFS}}")).RootElement.GetProperty("Layers").GetArrayLength();

    public static bool Unset(System.Text.Json.JsonElement config, string field) =>
        !config.TryGetProperty(field, out var v) || v.ValueKind == System.Text.Json.JsonValueKind.Null;

    /// <summary>`quai history -H=false --no-trunc`, oldest first: (created by, size in bytes).</summary>
    public List<(string CreatedBy, long Size)> History(string image)
    {
        var lines = q.Ok("history", "-H=false", "--no-trunc", image).Split('\n');
        int by = lines[0].IndexOf("CREATED BY", StringComparison.Ordinal), size = lines[0].IndexOf("SIZE", StringComparison.Ordinal),
            comment = lines[0].IndexOf("COMMENT", StringComparison.Ordinal);
        return lines[1..].Reverse().Select(r => (r[by..size].Trim(), long.Parse(r[size..Math.Min(comment, r.Length)].Trim()))).ToList();
    }

    /// <summary>Step lines of a build that were served from the cache.</summary>
    public static int Cached(Result r) => r.Err.Split('\n').Count(l => l.Trim().EndsWith("CACHED", StringComparison.Ordinal));

    public static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>No container at all is left in the store (every build removes its step containers).</summary>
    public void AssertNoContainers() => Assert.Empty(Lines(q.Ok("ps", "-aq")));

    public void Dispose()
    {
        foreach (var t in _tags) q.Run("rmi", "-f", t);
        try { Directory.Delete(Dir, true); } catch (Exception) { }
    }
}
