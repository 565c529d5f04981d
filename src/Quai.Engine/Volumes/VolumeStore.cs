using System.Text.Json;
using Quai.Engine.Containers;
using Quai.Interop;

namespace Quai.Engine.Volumes;

public sealed class Volume
{
    public string CreatedAt { get; set; } = "";
    public string Driver { get; set; } = "local";
    public Dictionary<string, string> Labels { get; set; } = [];
    public string Mountpoint { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string> Options { get; set; } = [];
    public string Scope { get; set; } = "local";
}

/// <summary>Local volumes: &lt;root&gt;/volumes/&lt;name&gt;/_data plus volume.json; creation is
/// idempotent and race-free (mkdir of the name directory decides).</summary>
public sealed class VolumeStore(string engineRoot)
{
    public string Root { get; } = Path.Combine(engineRoot, "volumes");

    private string MetaPath(string name) => Path.Combine(Root, name, "volume.json");

    public Volume Create(string? name, Dictionary<string, string>? labels = null)
    {
        name = string.IsNullOrEmpty(name) ? ContainerStore.NewId() : name;
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"))
            throw new EngineUsageException($"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        Directory.CreateDirectory(Root);
        using var _ = new FileLock(Path.Combine(Root, ".lock"));
        if (TryGet(name) is { } existing) return existing;
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.Combine(dir, "_data"));
        var v = new Volume { Name = name, CreatedAt = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), Mountpoint = Path.Combine(dir, "_data"), Labels = labels ?? [] };
        File.WriteAllBytes(MetaPath(name), JsonSerializer.SerializeToUtf8Bytes(v, EngineJsonContext.Default.Volume));
        return v;
    }

    public Volume? TryGet(string name)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(MetaPath(name)), EngineJsonContext.Default.Volume); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    public Volume Get(string name) => TryGet(name) ?? throw new NotFoundException($"get {name}: no such volume");

    public List<Volume> List() =>
        Directory.Exists(Root) ? Directory.EnumerateDirectories(Root).Select(d => TryGet(Path.GetFileName(d))).OfType<Volume>().OrderBy(v => v.Name, StringComparer.Ordinal).ToList() : [];

    /// <summary>Removes a volume no container uses (<paramref name="users"/>: ids of containers using it).</summary>
    public void Remove(string name, IReadOnlyList<string> users, bool force = false)
    {
        using var _ = new FileLock(Path.Combine(Root, ".lock"));
        if (TryGet(name) is null)
        {
            if (force) return;
            throw new NotFoundException($"get {name}: no such volume");
        }
        if (users.Count > 0)
            throw new ConflictException($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
        Directory.Delete(Path.Combine(Root, name), true);
    }
}
