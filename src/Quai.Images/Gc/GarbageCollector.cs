using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images.Gc;

public sealed record GcResult(int BlobsRemoved, int SnapshotsRemoved, long BytesReclaimed);

/// <summary>Mark and sweep, inside one write transaction so no other process can add a reference meanwhile.
/// Live: blobs any image references; snapshots on the chain of any image or active snapshot; everything a
/// live lease holds (a lease dies with its process). Everything else is removed: rows first, then data.</summary>
public static class GarbageCollector
{
    public static GcResult Collect(ImageStore store)
    {
        var db = store.Metadata;
        store.Content.CleanStaleIngests();
        return db.Write(tx =>
        {
            db.ExpireDeadLeases(tx);
            var liveBlobs = db.Query("SELECT DISTINCT digest FROM image_blobs", r => r.GetString(0), tx).ToHashSet();
            liveBlobs.UnionWith(db.LeasedRefs(Lease.Blob, tx));
            var leasedSnapshots = db.LeasedRefs(Lease.Snapshot, tx);

            var snapshots = db.Snapshots(tx).ToDictionary(s => s.Key);
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
                    store.Snapshotter.DeleteData(s.Id);
                    removedSnapshots++;
                    dead.Remove(s);
                }
            }
            // Snapshot directories without a row (a crash between delete and cleanup).
            var ids = db.Snapshots(tx).Select(s => s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            var snapshotsRoot = Path.Combine(store.Root, "snapshots");
            foreach (var dir in Directory.EnumerateDirectories(snapshotsRoot))
            {
                var name = Path.GetFileName(dir);
                if (long.TryParse(name, out var id) && !ids.Contains(name)) store.Snapshotter.DeleteData(id);
            }

            int removedBlobs = 0;
            foreach (var digest in store.Content.List())
            {
                var s = digest.ToString();
                if (liveBlobs.Contains(s)) continue;
                try { bytes += store.Content.Size(digest); } catch (FileNotFoundException) { }
                store.Content.Delete(digest);
                removedBlobs++;
            }
            return new GcResult(removedBlobs, removedSnapshots, bytes);
        });
    }
}
