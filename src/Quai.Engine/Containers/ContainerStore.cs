using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Engine.Containers;

/// <summary>Containers on disk: &lt;root&gt;/containers/&lt;id&gt;/container.json (written whole, through a
/// temporary file and rename, under an exclusive flock on &lt;id&gt;/lock), and one file per name in
/// &lt;root&gt;/containers/.names/ created with O_EXCL: two processes can never take the same name.</summary>
public sealed partial class ContainerStore
{
    public string Root { get; }
    private string NamesDir => System.IO.Path.Combine(Root, ".names");

    public ContainerStore(string engineRoot)
    {
        Root = PrivateStore.EnsureDir(System.IO.Path.Combine(engineRoot, "containers"), migrate: dir => PrivateStore.RestrictTree(dir, skip: IsContainerContent));
        PrivateStore.EnsureDir(NamesDir);
    }

    /// <summary>What the container reads as its own files keeps its modes: the rootfs mount point and the
    /// files bind-mounted onto /etc, which non-root users in the container must be able to read.</summary>
    private static bool IsContainerContent(string path) => System.IO.Path.GetFileName(path) is "rootfs" or "hostname" or "hosts" or "resolv.conf";

    public string Dir(string id) => System.IO.Path.Combine(Root, id);
    public string FilePath(string id) => System.IO.Path.Combine(Dir(id), "container.json");

    /// <summary>64 hex digits from the kernel's CSPRNG (getrandom through /dev/urandom: loading
    /// OpenSSL for RandomNumberGenerator would cost ~10 ms per command).</summary>
    public static string NewId()
    {
        var bytes = new byte[32];
        using (var f = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0))
            f.ReadExactly(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex FullId();

    public static void ValidateName(string name)
    {
        if (!ValidName().IsMatch(name))
            throw new EngineUsageException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }

    /// <summary>Atomically takes <paramref name="name"/> for <paramref name="id"/>.</summary>
    public void ReserveName(string name, string id)
    {
        ValidateName(name);
        var path = System.IO.Path.Combine(NamesDir, name);
        try
        {
            using var f = new FileStream(path, PrivateStore.NewFile(FileMode.CreateNew));
            f.Write(System.Text.Encoding.ASCII.GetBytes(id));
        }
        catch (IOException) when (File.Exists(path))
        {
            var owner = File.ReadAllText(path).Trim();
            // a name left by a container whose creation died half-way is free again (creators make
            // the container directory before they take the name, so a missing one means dead)
            if (owner.Length == 64 && !Directory.Exists(Dir(owner)) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > TimeSpan.FromSeconds(30))
            {
                File.Delete(path);
                ReserveName(name, id);
                return;
            }
            throw new ConflictException($"Conflict. The container name \"/{name}\" is already in use by container \"{owner}\". You have to remove (or rename) that container to be able to reuse that name.");
        }
    }

    public void ReleaseName(string name, string id)
    {
        var path = System.IO.Path.Combine(NamesDir, name.TrimStart('/'));
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() == id) File.Delete(path);
        }
        catch (IOException) { }
    }

    /// <summary>A random name like Docker's adjective_surname, reserved.</summary>
    public string ReserveRandomName(string id)
    {
        for (var i = 0; ; i++)
        {
            var name = Names.Random(i > 5);
            try { ReserveName(name, id); return name; }
            catch (ConflictException) when (i < 50) { }
        }
    }

    public void Create(Container c)
    {
        Directory.CreateDirectory(Dir(c.Id), PrivateStore.DirMode);
        Save(c);
    }

    /// <summary>Writes the record whole (0600, fsync'd before the rename: a crash leaves the old or the new one).</summary>
    public void Save(Container c) => AtomicFile.Write(FilePath(c.Id), JsonSerializer.SerializeToUtf8Bytes(c, EngineJsonContext.Default.Container));

    public Container? TryLoad(string id)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(FilePath(id)), EngineJsonContext.Default.Container); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (JsonException) { return null; }
    }

    public Container Load(string id) => TryLoad(id) ?? throw new NotFoundException($"No such container: {id}");

    public FileLock Lock(string id)
    {
        if (!Directory.Exists(Dir(id))) throw new NotFoundException($"No such container: {id}");
        return new FileLock(System.IO.Path.Combine(Dir(id), "lock"));
    }

    /// <summary>Read-modify-write under the container's lock; returns the saved record.</summary>
    public Container Update(string id, Action<Container> change)
    {
        using var _ = Lock(id);
        var c = Load(id);
        change(c);
        Save(c);
        return c;
    }

    public IEnumerable<string> Ids() =>
        Directory.Exists(Root) ? Directory.EnumerateDirectories(Root).Select(System.IO.Path.GetFileName).Where(n => n is not null && FullId().IsMatch(n)).Select(n => n!) : [];

    public List<Container> All() => Ids().Select(TryLoad).OfType<Container>().ToList();

    /// <summary>Docker's lookup: full ID, exact name, then a unique ID prefix.</summary>
    public string Resolve(string idOrName)
    {
        if (string.IsNullOrEmpty(idOrName)) throw new NotFoundException("No such container: ");
        if (FullId().IsMatch(idOrName) && File.Exists(FilePath(idOrName))) return idOrName;
        var name = idOrName.TrimStart('/');
        var namePath = System.IO.Path.Combine(NamesDir, name);
        if (name.Length > 0 && !name.Contains('/') && File.Exists(namePath))
        {
            var id = File.ReadAllText(namePath).Trim();
            if (File.Exists(FilePath(id))) return id;
        }
        if (idOrName.All(Uri.IsHexDigit))
        {
            var matches = Ids().Where(i => i.StartsWith(idOrName, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1) return matches[0];
            if (matches.Count > 1) throw new NotFoundException($"Multiple IDs found with provided prefix: {idOrName}");
        }
        throw new NotFoundException($"No such container: {idOrName}");
    }

    public void Remove(Container c)
    {
        ReleaseName(c.Name, c.Id);
        try { Directory.Delete(Dir(c.Id), true); }
        catch (DirectoryNotFoundException) { }
    }
}

/// <summary>"No such container/volume": exit 1 like the Docker CLI on a daemon 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);
/// <summary>Name conflicts, rm of a running container, exec into a stopped one: exit 1 (daemon 409).</summary>
public sealed class ConflictException(string message) : Exception(message);
/// <summary>Bad flag values: exit 125.</summary>
public sealed class EngineUsageException(string message) : Exception(message);
/// <summary>The container's command could not run: 126 (cannot execute) or 127 (not found).</summary>
public sealed class ContainerStartException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
