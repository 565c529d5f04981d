namespace Quai.Images.Tests;

/// <summary>`rmi` killed at each step of its garbage collection (QUAI_FAULT crash points in the
/// published binary). Before, GC deleted files inside its transaction: a kill rolled the rows back
/// but not the deletions, and the next import reused a half-deleted layer. Now data moves to the
/// trash inside the transaction and is deleted after the commit; whatever a kill leaves is put
/// back or finished by the next command.</summary>
public sealed class GcCrashTests : IDisposable
{
    private readonly TempDir _dir = new("quai-gc");
    private string Root => Path.Combine(_dir.Path, "store");

    public void Dispose()
    {
        foreach (var m in TempDir.MountsUnder(_dir.Path).OrderByDescending(m => m.Length)) Snapshots.MountHelper.Unmount(m);
        _dir.Dispose();
    }

    private Tools.Result Quai(params string[] args) => Tools.Run(Tools.Quai, ["--root", Root, .. args]);
    private Tools.Result QuaiKilledAt(string point, params string[] args) =>
        Tools.Run(Tools.Quai, ["--root", Root, .. args], new Dictionary<string, string> { ["QUAI_FAULT"] = point });

    private string Import(string tag, byte[] tar)
    {
        var path = Path.Combine(_dir.Path, tag.Replace(':', '-') + ".tar");
        File.WriteAllBytes(path, tar);
        return Quai("import", "-c", "CMD [\"sh\"]", path, tag).Ok().Stdout.Trim();
    }

    private static byte[] Other() => new TarBuilder().Dir("data/").File("data/keep", "other image\n").Bytes();

    /// <summary>Every row has its data, every image its layers, the trash is empty, and the
    /// busybox layer's files are all there.</summary>
    private void AssertWhole()
    {
        Quai("images").Ok(); // any command finishes what a killed one left
        using var store = ImageStore.Open(new ImageStoreOptions { Root = Root });
        StoreConsistency.Check(store);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "trash")));
        foreach (var s in store.Metadata.Snapshots())
        {
            var fs = Path.Combine(Root, "snapshots", s.Id.ToString(), "fs");
            Assert.True(Directory.Exists(fs), $"snapshot {s.Key}: no fs");
        }
    }

    [Theory]
    [InlineData("images.gc.swept")]
    [InlineData("images.gc.snapshots")]
    [InlineData("images.gc.blobs")]
    [InlineData("images.gc.committed")]
    public void An_rmi_killed_in_its_collection_loses_nothing_and_leaks_nothing(string point)
    {
        Import("keep:1", Other());
        var id = Import("bb:gc", Busybox.RootfsTar());
        var killed = QuaiKilledAt(point, "rmi", "bb:gc");
        Assert.True(killed.ExitCode == 137, $"{point}: {killed}");
        AssertWhole();
        Assert.Contains("keep", Quai("images", "--format", "{{.Repository}}").Ok().Stdout);

        // the same layer again: it must come back whole, not as a row whose data was deleted
        var again = Import("bb:gc", Busybox.RootfsTar());
        AssertWhole();
        using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
        {
            var top = store.Metadata.Snapshots().Single(s => s.Key == store.Resolve("bb:gc").TopChain);
            var busybox = Path.Combine(Root, "snapshots", top.Id.ToString(), "fs", "bin", "busybox");
            Assert.True(File.Exists(busybox), $"{point}: reused layer lost bin/busybox");
            Assert.Equal(new FileInfo(Busybox.Path).Length, new FileInfo(busybox).Length);
        }
        // and a collection that is not killed removes everything of it
        Quai("rmi", again).Ok();
        AssertWhole();
        using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
            Assert.Single(store.Metadata.Images());
    }
}
