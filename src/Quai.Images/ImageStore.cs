using Quai.Fs;
using Quai.Images.Content;
using Quai.Images.Gc;
using Quai.Images.Metadata;
using Quai.Images.Snapshots;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>The image store: the one entry point the CLI, a daemon and the container engine call.
/// On disk under <see cref="Root"/>: <c>quai.db</c> (SQLite, WAL), <c>content/</c> (blobs, ingest) and
/// <c>snapshots/</c> (unpacked layers and container root filesystems). Safe to use from several processes.</summary>
public sealed partial class ImageStore : IDisposable
{
    public string Root { get; }
    public ContentStore Content { get; }
    public MetadataStore Metadata { get; }
    public ISnapshotter Snapshotter { get; }

    private ImageStore(string root, ContentStore content, MetadataStore metadata, ISnapshotter snapshotter)
    {
        Root = root; Content = content; Metadata = metadata; Snapshotter = snapshotter;
    }

    public static ImageStore Open(ImageStoreOptions? options = null)
    {
        options ??= new ImageStoreOptions();
        var root = Path.GetFullPath(options.Root);
        try
        {
            PrivateStore.EnsureDir(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"create store root {root}: {e.Message}", e);
        }
        var content = new ContentStore(Path.Combine(root, "content"));
        var metadata = new MetadataStore(Path.Combine(root, "quai.db"));
        try
        {
            // layers keep their own modes (setuid binaries, device nodes): only the directory above them closes
            var snapshotsRoot = PrivateStore.EnsureDir(Path.Combine(root, "snapshots"));
            var name = ChooseSnapshotter(snapshotsRoot, options.Snapshotter);
            ISnapshotter snapshotter = name switch
            {
                "overlayfs" => new OverlaySnapshotter(metadata, snapshotsRoot),
                "native" => new NativeSnapshotter(metadata, snapshotsRoot),
                _ => throw new ArgumentException($"unknown snapshotter \"{name}\" (expected overlayfs or native)"),
            };
            var store = new ImageStore(root, content, metadata, snapshotter);
            // a collection killed before its commit moved data of rows that came back: put it back first
            var trash = Path.Combine(root, "trash");
            if (Directory.Exists(trash) && Directory.EnumerateFileSystemEntries(trash).Any()) Gc.GarbageCollector.RecoverTrash(store);
            // a command killed mid-way (load, import, create) left what its lease held: collect it now rather
            // than let it grow the store unseen until the next prune; a failure here is retried by the next command
            if (metadata.HasDeadLeases())
                try { Gc.GarbageCollector.Collect(store); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException) { }
            return store;
        }
        catch
        {
            metadata.Dispose();
            throw;
        }
    }

    /// <summary>The snapshotter is fixed when the store is created (recorded in <c>snapshots/driver</c>):
    /// mixing them would make existing snapshots unreadable.</summary>
    private static string ChooseSnapshotter(string snapshotsRoot, string? requested)
    {
        var marker = Path.Combine(snapshotsRoot, "driver");
        if (File.Exists(marker))
        {
            var existing = File.ReadAllText(marker).Trim();
            if (requested is not null && requested != existing)
                throw new InvalidOperationException($"store {Path.GetDirectoryName(snapshotsRoot)} uses the {existing} snapshotter; cannot switch to {requested}");
            return existing;
        }
        var chosen = requested ?? (OverlayProbe.Works(snapshotsRoot) ? "overlayfs" : "native");
        if (chosen is not ("overlayfs" or "native")) throw new ArgumentException($"unknown snapshotter \"{chosen}\" (expected overlayfs or native)");
        var tmp = marker + "." + Environment.ProcessId;
        File.WriteAllText(tmp, chosen + "\n");
        try { File.Move(tmp, marker, overwrite: false); }
        catch (IOException) { File.Delete(tmp); return ChooseSnapshotter(snapshotsRoot, requested); }
        return chosen;
    }

    /// <summary>Removes what nothing references: blobs, snapshots, stale ingests and leases of dead processes.</summary>
    public GcResult CollectGarbage() => GarbageCollector.Collect(this);

    public void Dispose() => Metadata.Dispose();
}
