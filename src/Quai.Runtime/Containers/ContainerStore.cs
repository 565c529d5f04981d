using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Runtime.Containers;

/// <summary>The runtime's state directory (--root, default /run/quai-runtime): one directory per
/// container with state.json and, until `start`, exec.fifo. Mutations take an exclusive flock on
/// the container's directory.</summary>
public sealed partial class ContainerStore(string root)
{
    public const string DefaultRoot = "/run/quai-runtime";
    public string Root { get; } = root;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_+.-]*$")]
    private static partial Regex IdPattern();

    public static void ValidateId(string id)
    {
        if (id.Length == 0 || id.Length > 1024 || !IdPattern().IsMatch(id) || id is "." or "..")
            throw new RuntimeException($"invalid container id format: \"{id}\"");
    }

    public string Dir(string id)
    {
        ValidateId(id);
        return Path.Combine(Root, id);
    }

    public string FifoPath(string id) => Path.Combine(Dir(id), "exec.fifo");

    public bool Exists(string id) => File.Exists(Path.Combine(Dir(id), "state.json"));

    /// <summary>Creates the directory of a new container; fails if the id is taken.</summary>
    public string CreateDir(string id)
    {
        var dir = Dir(id);
        Quai.Fs.PrivateStore.EnsureDir(Root);
        if (Libc.MkdirAt(O.AT_FDCWD, dir, 0x1C0) < 0)
        {
            var e = Marshal.GetLastPInvokeError();
            if (e == Errno.EEXIST) throw new RuntimeException($"container with id exists: {id}");
            throw new ErrnoException($"mkdir {dir}", e);
        }
        return dir;
    }

    public ContainerRecord Load(string id)
    {
        var file = Path.Combine(Dir(id), "state.json");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (FileNotFoundException) { throw new ContainerNotFoundException(id); }
        catch (DirectoryNotFoundException) { throw new ContainerNotFoundException(id); }
        try
        {
            return JsonSerializer.Deserialize(bytes, ContainerJsonContext.Default.ContainerRecord)
                   ?? throw new InvalidDataException("empty");
        }
        catch (JsonException e) { throw new RuntimeException($"read state of {id} ({file}): {e.Message}"); }
    }

    /// <summary>Writes state.json atomically and durably (temp file, fsync, rename, directory fsync).</summary>
    public void Save(ContainerRecord record) =>
        AtomicFile.Write(Path.Combine(Dir(record.Id), "state.json"), JsonSerializer.SerializeToUtf8Bytes(record, ContainerJsonContext.Default.ContainerRecord));

    public IEnumerable<string> Ids()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
            .Where(n => File.Exists(Path.Combine(Root, n, "state.json"))).Order(StringComparer.Ordinal);
    }

    /// <summary>Removes the container's directory; the caller holds its lock, whose file goes too.</summary>
    public void Remove(string id)
    {
        var dir = Dir(id);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Libc.UnlinkAt(O.AT_FDCWD, LockPath(id), 0);
    }

    private string LocksDir => Path.Combine(Root, ".locks");
    private string LockPath(string id) => Path.Combine(LocksDir, id);

    /// <summary>An exclusive lock on the container for the life of the handle. The lock file lives in
    /// &lt;root&gt;/.locks, outside the directory it guards (ids never start with a dot), so deleting the
    /// container never races with a process about to lock it; state is re-read under the lock.</summary>
    public FileLock Lock(string id)
    {
        ValidateId(id);
        Quai.Fs.PrivateStore.EnsureDir(Root);
        Quai.Fs.PrivateStore.EnsureDir(LocksDir);
        return new FileLock(LockPath(id));
    }

    /// <summary><see cref="Lock"/> of a container that must exist (else its lock file is removed again
    /// and <see cref="ContainerNotFoundException"/> is thrown).</summary>
    public FileLock LockExisting(string id)
    {
        var l = Lock(id);
        if (Directory.Exists(Dir(id))) return l;
        l.RemoveFile();
        l.Dispose();
        throw new ContainerNotFoundException(id);
    }
}
