using Quai.Images.Content;
using Quai.Interop;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images.Gc;

public sealed record GcResult(int BlobsRemoved, int SnapshotsRemoved, long BytesReclaimed);

/// <summary>Mark and sweep, inside one write transaction so no other process can add a reference meanwhile.
/// Live: blobs any image references; snapshots on the chain of any image or active snapshot; everything a
/// live lease holds (a lease dies with its process). Everything else goes: rows deleted and data moved
/// into the <see cref="Trash"/> by rename inside the transaction, then, after the commit and outside
/// the lock, deleted. A collection killed before its commit has its rows rolled back; the next one
/// moves their data back from the trash before it looks at anything else.</summary>
public static class GarbageCollector
{
    /// <summary>Puts back what a collection killed before its commit had moved (its rows came back)
    /// and deletes the rest. <see cref="ImageStore.Open"/> calls it when the trash is not empty, so no
    /// command ever uses a snapshot whose data is in the trash.</summary>
    public static void RecoverTrash(ImageStore store)
    {
        var db = store.Metadata;
        var trash = new Trash(store.Root);
        var delete = db.Write(tx =>
        {
            var liveBlobs = db.Query("SELECT DISTINCT digest FROM image_blobs", r => r.GetString(0), tx).ToHashSet();
            liveBlobs.UnionWith(db.LeasedRefs(Lease.Blob, tx));
            return Sweep(store, trash, db.Snapshots(tx).Select(s => s.Id).ToHashSet(), liveBlobs);
        });
        foreach (var entry in delete) Trash.Delete(entry);
    }

    /// <summary>Under the write lock: moves trashed data whose rows exist back; returns the entries to delete.</summary>
    private static List<string> Sweep(ImageStore store, Trash trash, HashSet<long> snapshotIds, HashSet<string> liveBlobs)
    {
        var delete = new List<string>();
        var (oldSnaps, oldBlobs, other) = trash.List();
        foreach (var (id, path) in oldSnaps)
            if (snapshotIds.Contains(id)) store.Snapshotter.RestoreData(id, path);
            else delete.Add(path);
        foreach (var (digest, path) in oldBlobs)
            if (liveBlobs.Contains(digest.ToString())) store.Content.Restore(digest, path);
            else delete.Add(path);
        delete.AddRange(other);
        return delete;
    }

    public static GcResult Collect(ImageStore store)
    {
        var db = store.Metadata;
        var trash = new Trash(store.Root);
        store.Content.CleanStaleIngests();
        var moved = new List<string>();
        var restore = new List<Action>(); // undo of the moves, should the transaction fail in this process
        GcResult result;
        try
        {
            result = db.Write(tx =>
            {
                moved.Clear();
                restore.Clear();
                db.ExpireDeadLeases(tx);
                var liveBlobs = db.Query("SELECT DISTINCT digest FROM image_blobs", r => r.GetString(0), tx).ToHashSet();
                liveBlobs.UnionWith(db.LeasedRefs(Lease.Blob, tx));
                var leasedSnapshots = db.LeasedRefs(Lease.Snapshot, tx);
                var snapshots = db.Snapshots(tx).ToDictionary(s => s.Key);
                var snapshotIds = snapshots.Values.Select(s => s.Id).ToHashSet();

                // What an earlier, killed collection left: data of rows that still exist goes back.
                moved.AddRange(Sweep(store, trash, snapshotIds, liveBlobs));
                FaultPoint.Hit("images.gc.swept");

                var live = new HashSet<string>();
                void Mark(string? key)
                {
                    while (key is not null && live.Add(key) && snapshots.TryGetValue(key, out var s)) key = s.Parent;
                }
                foreach (var top in db.Query("SELECT top_chain FROM images WHERE top_chain IS NOT NULL", r => r.GetString(0), tx)) Mark(top);
                foreach (var s in snapshots.Values)
                {
                    bool extracting = s.Key.StartsWith("extract-", StringComparison.Ordinal);
                    if ((s.Kind == SnapshotKind.Active && !extracting) || leasedSnapshots.Contains(s.Key)) Mark(s.Key);
                }

                long bytes = 0;
                int removedSnapshots = 0;
                void TrashSnapshot(long id)
                {
                    var entry = trash.SnapshotEntry(id);
                    if (!store.Snapshotter.MoveData(id, entry)) return;
                    moved.Add(entry);
                    restore.Add(() => store.Snapshotter.RestoreData(id, entry));
                }
                // Children before parents: repeat until no dead snapshot without children is left.
                var dead = snapshots.Values.Where(s => !live.Contains(s.Key)).ToList();
                while (dead.Count > 0)
                {
                    var leaves = dead.Where(d => !dead.Any(o => o.Parent == d.Key)).ToList();
                    if (leaves.Count == 0) break;
                    foreach (var s in leaves)
                    {
                        db.DeleteSnapshot(s.Key, tx);
                        bytes += s.Size;
                        TrashSnapshot(s.Id);
                        removedSnapshots++;
                        dead.Remove(s);
                    }
                }
                FaultPoint.Hit("images.gc.snapshots");
                // Snapshot directories without a row (a crash between a row's delete and its data's).
                var ids = db.Snapshots(tx).Select(s => s.Id).ToHashSet();
                foreach (var dir in Directory.EnumerateDirectories(Path.Combine(store.Root, "snapshots")))
                    if (long.TryParse(Path.GetFileName(dir), out var id) && !ids.Contains(id)) TrashSnapshot(id);

                int removedBlobs = 0;
                foreach (var digest in store.Content.List().ToList())
                {
                    var s = digest.ToString();
                    if (liveBlobs.Contains(s)) continue;
                    long size = 0;
                    try { size = store.Content.Size(digest); } catch (BlobNotFoundException) { }
                    var entry = trash.BlobEntry(digest);
                    if (!store.Content.MoveTo(digest, entry)) continue;
                    moved.Add(entry);
                    var d = digest;
                    restore.Add(() => store.Content.Restore(d, entry));
                    bytes += size;
                    removedBlobs++;
                }
                // where blobs came from goes with them: rows of blobs neither stored nor live
                foreach (var source in db.BlobsWithSources(tx))
                    if (!liveBlobs.Contains(source) && !(Digest.TryParse(source, out var sd) && store.Content.Exists(sd))) db.DeleteBlobSources(source, tx);
                FaultPoint.Hit("images.gc.blobs");
                return new GcResult(removedBlobs, removedSnapshots, bytes);
            });
        }
        catch
        {
            for (var i = restore.Count - 1; i >= 0; i--) try { restore[i](); } catch (IOException) { }
            throw;
        }
        FaultPoint.Hit("images.gc.committed");
        foreach (var entry in moved) Trash.Delete(entry);
        return result;
    }
}
