using Quai.Interop;
using System.Globalization;
using Quai.Images.Metadata;

namespace Quai.Images.Snapshots;

/// <summary>The metadata half shared by every snapshotter: rows in SQLite, data in <c>snapshots/&lt;id&gt;/</c>.
/// A row is written before its directory is created and deleted before its directory is removed, so a crash
/// leaves at worst a directory without a row, which GC deletes.</summary>
public abstract class SnapshotterBase : ISnapshotter
{
    protected MetadataStore Db { get; }
    /// <summary><c>&lt;root&gt;/snapshots</c>.</summary>
    public string Root { get; }

    protected SnapshotterBase(MetadataStore db, string root)
    {
        Db = db;
        Root = Quai.Fs.PrivateStore.EnsureDir(root);
    }

    public abstract string Name { get; }

    public string Dir(long id) => Path.Combine(Root, id.ToString(CultureInfo.InvariantCulture));
    public string FsDir(long id) => Path.Combine(Dir(id), "fs");

    public SnapshotRecord? Stat(string key) => Db.Snapshot(key);

    protected SnapshotRecord Get(string key) => Db.Snapshot(key) ?? throw new SnapshotNotFoundException(key);

    public IReadOnlyList<Mount> Prepare(string key, string? parent, string? imageId = null)
    {
        var rec = Db.Write(tx =>
        {
            if (Db.Snapshot(key, tx) is not null) throw new InvalidOperationException($"prepare snapshot {key}: a snapshot with this key already exists");
            if (parent is not null)
            {
                var p = Db.Snapshot(parent, tx) ?? throw new SnapshotNotFoundException(parent);
                if (p.Kind != SnapshotKind.Committed) throw new InvalidOperationException($"prepare snapshot {key}: parent {parent} is not committed");
            }
            return Db.AddSnapshot(key, parent, SnapshotKind.Active, imageId, tx);
        });
        try
        {
            CreateData(rec, parent is null ? [] : Db.SnapshotChain(parent));
        }
        catch
        {
            Db.Write(tx => Db.DeleteSnapshot(key, tx));
            DeleteData(rec.Id);
            throw;
        }
        return Mounts(key);
    }

    /// <summary>Creates the directories of a new active snapshot; <paramref name="parents"/> is top-first.</summary>
    protected abstract void CreateData(SnapshotRecord snapshot, IReadOnlyList<SnapshotRecord> parents);

    public abstract IReadOnlyList<Mount> Mounts(string key);

    public bool Commit(string name, string key, long? size = null)
    {
        var rec = Get(key);
        if (rec.Kind != SnapshotKind.Active) throw new InvalidOperationException($"commit snapshot {key}: it is already committed");
        long usage = size ?? DirUsage(FsDir(rec.Id));
        bool done = Db.Write(tx =>
        {
            if (Db.Snapshot(name, tx) is not null) return false;
            Db.CommitSnapshot(key, name, usage, tx);
            return true;
        });
        if (!done) Remove(key);
        return done;
    }

    public void Remove(string key)
    {
        var rec = Db.Write(tx =>
        {
            var r = Db.Snapshot(key, tx) ?? throw new SnapshotNotFoundException(key);
            var children = Convert.ToInt64(Db.Scalar("SELECT count(*) FROM snapshots WHERE parent=$k", tx, ("$k", key)), CultureInfo.InvariantCulture);
            if (children > 0) throw new InvalidOperationException($"remove snapshot {key}: it has {children} child snapshot(s)");
            Db.DeleteSnapshot(key, tx);
            return r;
        });
        DeleteData(rec.Id);
    }

    public abstract T WithWritableView<T>(string key, Func<string, T> action);

    public abstract void WriteDiff(string key, Stream output);

    public virtual void DeleteData(long id)
    {
        var dir = Dir(id);
        if (!Directory.Exists(dir)) return;
        var merged = Path.Combine(dir, "merged");
        if (Directory.Exists(merged) && MountHelper.IsMountPoint(merged)) MountHelper.Unmount(merged);
        Directory.Delete(dir, recursive: true);
    }

    public bool MoveData(long id, string entry)
    {
        var dir = Dir(id);
        if (!Directory.Exists(dir)) return false;
        var merged = Path.Combine(dir, "merged");
        if (Directory.Exists(merged) && MountHelper.IsMountPoint(merged)) MountHelper.Unmount(merged);
        return Gc.Trash.Move(dir, entry);
    }

    public void RestoreData(long id, string entry)
    {
        if (!Directory.Exists(Dir(id))) Directory.Move(entry, Dir(id));
    }

    public long Usage(string key) => DirUsage(FsDir(Get(key).Id));

    /// <summary>Bytes of regular-file content under <paramref name="dir"/>, each inode counted once.</summary>
    public static long DirUsage(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        long total = 0;
        var seen = new HashSet<ulong>();
        var stack = new Stack<string>();
        stack.Push(dir);
        while (stack.Count > 0)
        {
            var d = stack.Pop();
            foreach (var e in new DirectoryInfo(d).EnumerateFileSystemInfos())
            {
                if (e.LinkTarget is not null) continue;
                if (e is DirectoryInfo) { stack.Push(e.FullName); continue; }
                if (e is FileInfo f && (f.Attributes & FileAttributes.Device) == 0)
                {
                    var st = NativeFs.Lstat(f.FullName);
                    if (st.Type != NativeFs.S_IFREG) continue;
                    if (st.Nlink > 1 && !seen.Add(st.Ino)) continue;
                    total += st.Size;
                }
            }
        }
        return total;
    }
}

public sealed class SnapshotNotFoundException(string key) : KeyNotFoundException($"snapshot {key}: not found");
