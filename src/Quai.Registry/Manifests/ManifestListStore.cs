using System.Text;
using Quai.Fs;
using Quai.Interop;
using Quai.Oci.Image;

namespace Quai.Registry.Manifests;

/// <summary>The local manifest lists of <c>quai manifest</c>: a private directory under the image store root
/// (<c>ROOT/manifests</c>, 0700; docker keeps them in ~/.docker/manifests), one JSON file per list named after the
/// list's reference (<c>/</c> → <c>#</c>, <c>:</c> → <c>%</c>, as docker names its directories; a digest of the
/// reference when that would be too long for a file name). Files are 0600 and replaced atomically (temporary file,
/// fsync, rename, directory fsync); changes are serialised by a lock file next to the directory, so two
/// <c>create --amend</c> at once both land. A file whose manifests do not match their digests is refused.</summary>
public sealed class ManifestListStore(string directory)
{
    /// <summary>Longest file name used as is; longer references are stored under their digest.</summary>
    private const int MaxReadableName = 200;

    public string Directory { get; } = Path.GetFullPath(directory);

    private string LockPath => Directory + ".lock";

    /// <summary>The store that belongs to an image store root.</summary>
    public static ManifestListStore ForImageStore(string storeRoot) => new(Path.Combine(storeRoot, "manifests"));

    /// <summary>The file that holds the list named <paramref name="list"/> (it may not exist).</summary>
    public string FileFor(Reference list) => Path.Combine(Directory, FileName(list.ToString()));

    internal static string FileName(string reference)
    {
        var readable = reference.Replace(':', '%').Replace('/', '#') + ".json";
        return Encoding.UTF8.GetByteCount(readable) <= MaxReadableName && !readable.StartsWith('.')
            ? readable
            : "sha256-" + Digest.Compute(Encoding.UTF8.GetBytes(reference)).Hex + ".json";
    }

    public ManifestList? TryGet(Reference list) => Read(FileFor(list), list.ToString());

    /// <summary>The list, or docker's <c>No such manifest: REF</c>.</summary>
    public ManifestList Get(Reference list) => TryGet(list) ?? throw new ManifestNotFoundException(list.ToString());

    /// <summary>Reads the list under the lock, lets <paramref name="change"/> edit it (null: there is none yet) and
    /// writes what it returns; nothing is written when it throws.</summary>
    public ManifestList Update(Reference list, Func<ManifestList?, ManifestList> change)
    {
        PrivateStore.EnsureDir(Directory);
        using var held = new FileLock(LockPath);
        var path = FileFor(list);
        var updated = change(Read(path, list.ToString()));
        updated.Ref = list.ToString();
        AtomicFile.Write(path, Serialize(updated));
        return updated;
    }

    /// <summary>Deletes the list; false when there was none.</summary>
    public bool Remove(Reference list)
    {
        if (!System.IO.Directory.Exists(Directory)) return false;
        using var held = new FileLock(LockPath);
        var path = FileFor(list);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        AtomicFile.SyncDirectory(Directory);
        return true;
    }

    /// <summary>Every local list, by name.</summary>
    public IReadOnlyList<ManifestList> List()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        return System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(f => Read(f, null))
            .OfType<ManifestList>()
            .OrderBy(l => l.Ref, StringComparer.Ordinal)
            .ToList();
    }

    internal static byte[] Serialize(ManifestList list) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(list, ManifestJsonContext.Relaxed.ManifestList);

    /// <summary>Parses and checks a list file: its name must be the one asked for (when given) and every manifest
    /// must hash to its descriptor's digest and size.</summary>
    internal static ManifestList Parse(byte[] bytes, string what, string? expectedRef)
    {
        var list = ImageJson.Parse(bytes, ManifestJsonContext.Default.ManifestList, what);
        if (expectedRef is not null && list.Ref != expectedRef)
            throw new InvalidDataException($"{what}: holds the manifest list {list.Ref}, not {expectedRef}");
        foreach (var m in list.Manifests)
        {
            if (!Digest.TryParse(m.Descriptor.Digest, out var digest, out var why))
                throw new InvalidDataException($"{what}: manifest {m.Ref}: invalid digest: {why}");
            var actual = Digest.Compute(m.Raw);
            if (actual != digest || m.Raw.Length != m.Descriptor.Size)
                throw new InvalidDataException($"{what}: image manifest digest mismatch for {m.Ref} ({digest} != {actual})");
        }
        return list;
    }

    private static ManifestList? Read(string path, string? expectedRef)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        return Parse(bytes, $"invalid manifest file {path}", expectedRef);
    }
}
