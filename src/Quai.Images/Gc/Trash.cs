using Quai.Oci.Image;

namespace Quai.Images.Gc;

/// <summary><c>&lt;root&gt;/trash</c>: where GC moves what it collects, by rename, inside its write
/// transaction. Once the transaction commits, the entries are deleted outside the lock (a long
/// deletion no longer blocks every other command); if the process dies before the commit, the rows
/// come back with SQLite's rollback and the next collection moves their data back
/// (<see cref="GarbageCollector"/>). Entry names say what they were: <c>snapshot-ID</c>,
/// <c>blob-HEX</c>.</summary>
public sealed class Trash(string root)
{
    public string Dir { get; } = Quai.Fs.PrivateStore.EnsureDir(Path.Combine(root, "trash"));

    public string SnapshotEntry(long id) => Path.Combine(Dir, $"snapshot-{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    public string BlobEntry(Digest digest) => Path.Combine(Dir, $"blob-{digest.Hex}");

    /// <summary>What is in the trash: snapshot ids and blob digests, with their paths.</summary>
    public (List<(long Id, string Path)> Snapshots, List<(Digest Digest, string Path)> Blobs, List<string> Other) List()
    {
        var snaps = new List<(long, string)>();
        var blobs = new List<(Digest, string)>();
        var other = new List<string>();
        foreach (var p in Directory.EnumerateFileSystemEntries(Dir))
        {
            var n = Path.GetFileName(p);
            if (n.StartsWith("snapshot-", StringComparison.Ordinal) && long.TryParse(n[9..], out var id)) snaps.Add((id, p));
            else if (n.StartsWith("blob-", StringComparison.Ordinal) && Digest.TryParse("sha256:" + n[5..], out var d)) blobs.Add((d, p));
            else other.Add(p);
        }
        return (snaps, blobs, other);
    }

    /// <summary>Moves <paramref name="path"/> to <paramref name="entry"/>; false when it did not exist.</summary>
    public static bool Move(string path, string entry)
    {
        if (Directory.Exists(entry) || File.Exists(entry)) Delete(entry); // a leftover of an earlier collection
        try
        {
            if (Directory.Exists(path)) Directory.Move(path, entry);
            else File.Move(path, entry);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return false; }
    }

    public static void Delete(string entry)
    {
        try
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
    }
}
