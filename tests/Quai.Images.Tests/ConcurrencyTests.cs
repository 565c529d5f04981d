using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>Several store instances (separate SQLite connections, as separate processes have) on one root.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private static byte[] Big(string name, int seed, int size = 2 << 20)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return new TarBuilder().File(name, data).Bytes();
    }

    [Fact]
    public async Task Two_loads_sharing_layers_in_parallel_leave_a_consistent_store()
    {
        var shared = new[] { Big("s1", 1), Big("s2", 2), Big("s3", 3) };
        var b1 = new ImageBuilder();
        var (m1, _) = b1.AddImage([.. shared, Big("one", 4)]);
        var b2 = new ImageBuilder();
        var (m2, _) = b2.AddImage([.. shared, Big("two", 5)]);
        var a1 = b1.OciArchive((m1, "one:1"));
        var a2 = b2.OciArchive((m2, "two:1"));

        for (int round = 0; round < 3; round++)
        {
            using var s1 = _t.OpenAnother();
            using var s2 = _t.OpenAnother();
            var t1 = Task.Run(() => s1.Load(new MemoryStream(a1)));
            var t2 = Task.Run(() => s2.Load(new MemoryStream(a2)));
            await Task.WhenAll(t1, t2);
            StoreConsistency.Check(_t.Store);
            Assert.Equal(5, _t.Store.Metadata.Snapshots().Count);
            Assert.NotNull(_t.Store.TryFind("one:1"));
            Assert.NotNull(_t.Store.TryFind("two:1"));
            _t.Store.Remove("one:1");
            _t.Store.Remove("two:1");
            StoreConsistency.Check(_t.Store);
            Assert.Empty(_t.Store.Metadata.Snapshots());
        }
    }

    [Fact]
    public async Task Rmi_racing_a_container_rootfs_leaves_the_store_consistent()
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([Big("base", 7, 256 << 10), Big("top", 8, 256 << 10)]);
        var archive = b.OciArchive((m, "race:1"));
        for (int round = 0; round < 10; round++)
        {
            _t.Store.Load(new MemoryStream(archive));
            using var user = _t.OpenAnother();
            using var remover = _t.OpenAnother();
            var key = $"ctr{round}";
            var use = Task.Run(() =>
            {
                try { return user.PrepareRootfs(key, "race:1") is not null; }
                catch (ImageNotFoundException) { return false; }
            });
            var rmi = Task.Run(() => remover.Remove("race:1", force: true));
            await Task.WhenAll(use, rmi);
            StoreConsistency.Check(_t.Store);
            if (await use)
            {
                // The container's rootfs survived the removal of its image: its whole chain is there.
                var chain = _t.Store.Metadata.SnapshotChain("container-" + key);
                Assert.Equal(3, chain.Count);
                foreach (var s in chain) Assert.True(Directory.Exists(Path.Combine(_t.Root, "snapshots", s.Id.ToString())));
                _t.Store.ReleaseRootfs(key);
            }
            _t.Store.CollectGarbage();
            Assert.Empty(_t.Store.Metadata.Snapshots());
        }
    }

    [Fact]
    public void One_store_instance_can_be_shared_by_threads()
    {
        var archives = Enumerable.Range(0, 4).Select(i =>
        {
            var b = new ImageBuilder();
            var (m, _) = b.AddImage([Big("shared", 21, 128 << 10), Big("own", 100 + i, 128 << 10)]);
            return b.OciArchive((m, $"thread:{i}"));
        }).ToList();
        Parallel.ForEach(archives, a => _t.Store.Load(new MemoryStream(a)));
        Parallel.For(0, 4, i => _t.Store.PrepareRootfs($"t{i}", $"thread:{i}"));
        StoreConsistency.Check(_t.Store);
        Assert.Equal(4, _t.Store.List().Count);
        Assert.Equal(5 + 4, _t.Store.Metadata.Snapshots().Count);
    }

    [Fact]
    public async Task Gc_does_not_remove_blobs_a_running_load_holds()
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([Big("a", 11), Big("b", 12), Big("c", 13)]);
        var archive = b.OciArchive((m, "held:1"));
        using var loader = _t.OpenAnother();
        var load = Task.Run(() => loader.Load(new MemoryStream(archive)));
        while (!load.IsCompleted) _t.Store.CollectGarbage();
        await load;
        StoreConsistency.Check(_t.Store);
        Assert.NotNull(_t.Store.TryFind("held:1"));
    }
}

/// <summary>Invariants every store must satisfy whatever happened concurrently.</summary>
public static class StoreConsistency
{
    public static void Check(ImageStore store)
    {
        var snapshots = store.Metadata.Snapshots().ToDictionary(s => s.Key);
        foreach (var s in snapshots.Values)
        {
            if (s.Parent is not null) Assert.True(snapshots.ContainsKey(s.Parent), $"snapshot {s.Key} has missing parent {s.Parent}");
            Assert.True(Directory.Exists(Path.Combine(store.Root, "snapshots", s.Id.ToString())), $"snapshot {s.Key} has no data");
        }
        foreach (var img in store.Metadata.Images())
        {
            if (img.TopChain is not null) Assert.True(snapshots.ContainsKey(img.TopChain), $"image {img.Id} lost its layers");
            foreach (var d in store.Metadata.Query("SELECT digest FROM image_blobs WHERE image_id=$i", r => r.GetString(0), null, ("$i", img.Id)))
                Assert.True(store.Content.Exists(Digest.Parse(d)), $"image {img.Id} lost blob {d}");
        }
        foreach (var (name, id) in store.Metadata.AllTags()) Assert.NotNull(store.Metadata.Image(id));
        Assert.Equal(["ok"], store.Metadata.Query("PRAGMA integrity_check", r => r.GetString(0)));
    }

    /// <summary>Consistent, and only what the images <paramref name="keep"/> hold is left: no other image, blob,
    /// snapshot, lease, ingest file, trash entry or mount (what a failed, abandoned or killed pull must leave).</summary>
    public static void Only(ImageStore store, params string[] keep)
    {
        Check(store);
        Assert.Equal(keep.Order(), store.Metadata.Images().Select(i => i.Id).Order());
        var liveBlobs = store.Metadata.Query("SELECT DISTINCT digest FROM image_blobs", r => r.GetString(0)).ToHashSet();
        Assert.All(store.Content.List(), d => Assert.Contains(d.ToString(), liveBlobs));
        var chains = new HashSet<string>();
        foreach (var img in store.Metadata.Images())
            if (img.TopChain is not null) chains.UnionWith(store.Metadata.SnapshotChain(img.TopChain).Select(s => s.Key));
        Assert.All(store.Metadata.Snapshots(), s => Assert.Contains(s.Key, chains));
        Assert.Empty(store.Metadata.Query("SELECT id FROM leases", r => r.GetString(0)));
        Assert.Empty(Directory.EnumerateFiles(store.Content.IngestDir));
        var trash = Path.Combine(store.Root, "trash");
        if (Directory.Exists(trash)) Assert.Empty(Directory.EnumerateFileSystemEntries(trash));
        Assert.Empty(TempDir.MountsUnder(store.Root));
    }
}
