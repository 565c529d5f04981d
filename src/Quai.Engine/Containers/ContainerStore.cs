using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Engine.Containers;

/// <summary>Containers on disk: &lt;root&gt;/containers/&lt;id&gt;/container.json (written whole, through a
/// temporary file, fsync and rename, under an exclusive flock on .locks/&lt;id&gt;, outside the
/// directory it guards), and one file per name in .names/ created with O_EXCL: two processes can
/// never take the same name. Removal renames the directory into .trash/ first: the rename is the
/// commit, and whatever a killed removal leaves there is swept by the next one.</summary>
public sealed partial class ContainerStore
{
    public string Root { get; }
    private string NamesDir => System.IO.Path.Combine(Root, ".names");
    private string LocksDir => System.IO.Path.Combine(Root, ".locks");
    public string TrashDir => System.IO.Path.Combine(Root, ".trash");

    public ContainerStore(string engineRoot)
    {
        Root = PrivateStore.EnsureDir(System.IO.Path.Combine(engineRoot, "containers"), migrate: dir => PrivateStore.RestrictTree(dir, skip: IsContainerContent));
        PrivateStore.EnsureDir(NamesDir);
        PrivateStore.EnsureDir(LocksDir);
        PrivateStore.EnsureDir(TrashDir);
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

    /// <summary>The container's exclusive lock. Throws <see cref="NotFoundException"/> when the
    /// container does not exist, also when it was removed while we waited for the lock.</summary>
    public FileLock Lock(string id)
    {
        if (!FullId().IsMatch(id) || !Directory.Exists(Dir(id))) throw new NotFoundException($"No such container: {id}");
        var lk = new FileLock(System.IO.Path.Combine(LocksDir, id));
        if (!Directory.Exists(Dir(id)))
        {
            lk.RemoveFile();
            lk.Dispose();
            throw new NotFoundException($"No such container: {id}");
        }
        return lk;
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

    /// <summary>Removes the record and the directory; the caller holds <paramref name="held"/>, the
    /// container's lock, and has unmounted everything under the directory. The rename into .trash
    /// is the commit: from then on the container does not exist. <paramref name="afterCommit"/>
    /// runs next (releasing what the record pointed to; false when it could not); then the name,
    /// the files and the lock file go. A removal killed after the commit, or whose release failed,
    /// is finished by <see cref="SweepTrash"/>.</summary>
    public void Remove(Container c, FileLock held, Func<bool>? afterCommit = null)
    {
        var trash = System.IO.Path.Combine(TrashDir, c.Id + "." + Convert.ToHexStringLower(BitConverter.GetBytes(Environment.TickCount64)));
        try { Directory.Move(Dir(c.Id), trash); }
        catch (DirectoryNotFoundException) { trash = null; }
        FaultPoint.Hit("engine.rm.committed");
        var released = afterCommit?.Invoke() ?? true;
        ReleaseName(c.Name, c.Id);
        // what could not be released (a full disk) stays in the trash for the next sweep
        if (trash is not null && released) DeleteTrashEntry(trash);
        held.RemoveFile();
    }

    /// <summary>The lock a creator holds from before it makes the directory until the record is
    /// written: a directory without a record whose lock is free belongs to a creation that died.</summary>
    public FileLock LockNew(string id) => new(System.IO.Path.Combine(LocksDir, id));

    /// <summary>Moves the directories of creations that died before writing their record (see
    /// <see cref="LockNew"/>) into the trash; true when there was one.</summary>
    public bool TrashAbandoned()
    {
        var any = false;
        foreach (var id in Ids())
        {
            if (File.Exists(FilePath(id))) continue;
            using var lk = FileLock.TryTake(System.IO.Path.Combine(LocksDir, id));
            if (lk is null || File.Exists(FilePath(id)) || !Directory.Exists(Dir(id))) continue; // its creator is still at work
            try { Directory.Move(Dir(id), System.IO.Path.Combine(TrashDir, id + ".abandoned")); any = true; }
            catch (IOException) { }
        }
        return any;
    }

    /// <summary>The ids of removals that were committed but not finished (killed midway).</summary>
    public IEnumerable<(string Id, string Path)> Trash() =>
        Directory.Exists(TrashDir)
            ? Directory.EnumerateDirectories(TrashDir).Select(p => (Id: System.IO.Path.GetFileName(p).Split('.')[0], Path: p)).Where(t => FullId().IsMatch(t.Id))
            : [];

    /// <summary>Finishes killed removals: <paramref name="release"/> (the rootfs snapshot) for each id,
    /// then the directory, the name if it still points at the id, and the lock file.</summary>
    public void SweepTrash(Action<string> release)
    {
        foreach (var (id, path) in Trash().ToList())
        {
            if (Directory.Exists(Dir(id))) continue; // a directory of that id is back: not ours to judge
            try { release(id); } catch (Exception) { continue; }
            if (!DeleteTrashEntry(path)) continue;
            foreach (var n in Directory.Exists(NamesDir) ? Directory.EnumerateFiles(NamesDir) : [])
                try { if (File.ReadAllText(n).Trim() == id) File.Delete(n); } catch (IOException) { }
            try { File.Delete(System.IO.Path.Combine(LocksDir, id)); } catch (IOException) { }
        }
    }

    /// <summary>Deletes a trashed container directory unless something is still mounted under it
    /// (then it stays for a later sweep: deleting through a mount would delete its content).</summary>
    private static bool DeleteTrashEntry(string path)
    {
        if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ') is { Length: > 4 } f && (f[4] == path || f[4].StartsWith(path + "/", StringComparison.Ordinal))))
            return false;
        try { Directory.Delete(path, true); return true; }
        catch (DirectoryNotFoundException) { return true; }
        catch (IOException) { return false; }
    }
}
