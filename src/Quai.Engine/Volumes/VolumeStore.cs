using System.Text.Json;
using Quai.Engine.Containers;
using Quai.Fs;
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
/// idempotent and race-free (under volumes/.lock). Every name that reaches a path is validated first: a
/// name is one path component, never <c>..</c>, <c>/x</c> or one with a trailing newline.</summary>
public sealed partial class VolumeStore
{
    public string Root { get; }

    public VolumeStore(string engineRoot)
    {
        // volume.json is private; _data keeps Docker's 0755, as it is the root of what the container sees
        Root = PrivateStore.EnsureDir(Path.Combine(engineRoot, "volumes"),
            migrate: dir => PrivateStore.RestrictTree(dir, skip: p => Path.GetFileName(p) == "_data"));
    }

    private string MetaPath(string name) => Path.Combine(Root, name, "volume.json");

    [System.Text.RegularExpressions.GeneratedRegex(@"\A[a-zA-Z0-9][a-zA-Z0-9_.-]+\z")]
    private static partial System.Text.RegularExpressions.Regex ValidName();

    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    public Volume Create(string? name, Dictionary<string, string>? labels = null)
    {
        name = string.IsNullOrEmpty(name) ? ContainerStore.NewId() : name;
        if (!IsValidName(name))
            throw new EngineUsageException($"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        using var _ = new FileLock(Path.Combine(Root, ".lock"));
        if (TryGet(name) is { } existing) return existing;
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir, PrivateStore.DirMode);
        Directory.CreateDirectory(Path.Combine(dir, "_data"));
        var v = new Volume { Name = name, CreatedAt = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), Mountpoint = Path.Combine(dir, "_data"), Labels = labels ?? [] };
        AtomicFile.Write(MetaPath(name), JsonSerializer.SerializeToUtf8Bytes(v, EngineJsonContext.Default.Volume));
        Events?.Append(global::Quai.Engine.Events.EngineEvent.Now("volume", "create", name, new Dictionary<string, string> { ["driver"] = "local" }));
        return v;
    }

    public Volume? TryGet(string name)
    {
        if (!IsValidName(name)) return null;
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(MetaPath(name)), EngineJsonContext.Default.Volume); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    public Volume Get(string name) => TryGet(name) ?? throw new NotFoundException($"get {name}: no such volume");

    public List<Volume> List() =>
        Directory.Exists(Root) ? Directory.EnumerateDirectories(Root).Select(d => TryGet(Path.GetFileName(d))).OfType<Volume>().OrderBy(v => v.Name, StringComparer.Ordinal).ToList() : [];

    /// <summary>Removes a volume no container uses (<paramref name="users"/>: ids of containers using it).</summary>
    public void Remove(string name, IReadOnlyList<string> users, bool force = false)
    {
        if (!IsValidName(name))
        {
            if (force) return;
            throw new NotFoundException($"get {name}: no such volume");
        }
        using var _ = new FileLock(Path.Combine(Root, ".lock"));
        if (TryGet(name) is null)
        {
            if (force) return;
            throw new NotFoundException($"get {name}: no such volume");
        }
        if (users.Count > 0)
            throw new ConflictException($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
        Directory.Delete(Path.Combine(Root, name), true);
        Events?.Append(global::Quai.Engine.Events.EngineEvent.Now("volume", "destroy", name, new Dictionary<string, string> { ["driver"] = "local" }));
    }

    /// <summary>Where volume create/destroy events go (the engine's journal).</summary>
    public global::Quai.Engine.Events.EventJournal? Events { get; set; }
}
