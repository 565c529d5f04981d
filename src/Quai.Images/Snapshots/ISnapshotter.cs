using Quai.Images.Metadata;

namespace Quai.Images.Snapshots;

/// <summary>Snapshots of root filesystems, as containerd defines them. A <em>committed</em> snapshot is
/// immutable and named by its layer chain ID; an <em>active</em> snapshot is a writable filesystem on top of a
/// committed parent (a container's rootfs, or a layer being unpacked), named by a key its owner chooses.
/// Committing an active snapshot freezes it under a name; removing it discards it.
/// Metadata lives in the store's SQLite database, data under <c>&lt;root&gt;/snapshots/&lt;id&gt;/</c>.</summary>
public interface ISnapshotter
{
    /// <summary>"overlayfs" or "native".</summary>
    string Name { get; }

    SnapshotRecord? Stat(string key);

    /// <summary>Creates an active snapshot on top of committed <paramref name="parent"/> (or empty) and returns how to mount it.</summary>
    IReadOnlyList<Mount> Prepare(string key, string? parent, string? imageId = null);

    /// <summary>The mounts of an existing snapshot (active: writable; committed: read-only view).</summary>
    IReadOnlyList<Mount> Mounts(string key);

    /// <summary>Freezes active snapshot <paramref name="key"/> as committed snapshot <paramref name="name"/>.
    /// Returns false (and discards the active snapshot) when <paramref name="name"/> already exists.</summary>
    bool Commit(string name, string key, long? size = null);

    /// <summary>Removes a snapshot that has no children.</summary>
    void Remove(string key);

    /// <summary>Runs <paramref name="action"/> with a directory showing the active snapshot's full, writable view
    /// (an overlay is mounted for the duration when needed).</summary>
    T WithWritableView<T>(string key, Func<string, T> action);

    /// <summary>Writes the changes of active snapshot <paramref name="key"/> against its parent as an uncompressed layer tar.</summary>
    void WriteDiff(string key, Stream output);

    /// <summary>Deletes the on-disk data of snapshot directory id (used by GC after the row is gone).</summary>
    void DeleteData(long id);

    /// <summary>Moves the on-disk data of snapshot directory id to <paramref name="entry"/> (GC's trash),
    /// unmounting it first; false when there was none.</summary>
    bool MoveData(long id, string entry);

    /// <summary>Moves trashed data back to snapshot directory id (its row came back with a rollback).</summary>
    void RestoreData(long id, string entry);

    /// <summary>Bytes used by the snapshot's own data (not its parents').</summary>
    long Usage(string key);
}
