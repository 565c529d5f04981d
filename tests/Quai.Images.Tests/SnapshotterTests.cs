using System.Formats.Tar;
using Quai.Images.Layers;
using Quai.Images.Metadata;
using Quai.Images.Snapshots;

namespace Quai.Images.Tests;

/// <summary>One suite, run against every snapshotter (as containerd's snapshot testsuite is).</summary>
public abstract class SnapshotterTests : IDisposable
{
    private readonly TempStore _store;
    protected ISnapshotter S => _store.Store.Snapshotter;
    protected abstract string Name { get; }

    protected SnapshotterTests(string name) => _store = new TempStore(name);

    public void Dispose() => _store.Dispose();

    private string Layer(string key, string? parent, byte[] tar)
    {
        S.Prepare(key, parent);
        S.WithWritableView(key, dir => LayerApplier.Apply(new MemoryStream(tar), dir));
        var name = "committed-" + key;
        Assert.True(S.Commit(name, key));
        return name;
    }

    private T WithMounted<T>(string key, Func<string, T> read)
    {
        using var target = new TempDir("quai-mnt");
        MountHelper.MountAll(S.Mounts(key), target.Path);
        try { return read(target.Path); }
        finally { MountHelper.Unmount(target.Path); }
    }

    [Fact]
    public void Uses_the_requested_snapshotter() => Assert.Equal(Name, S.Name);

    [Fact]
    public void Layers_stack_and_whiteouts_hide_lower_files()
    {
        var l1 = Layer("l1", null, new TarBuilder().File("a", "1").File("dir/b", "2").File("dir/c", "3").Bytes());
        var l2 = Layer("l2", l1, new TarBuilder().File("a", "changed").File("dir/.wh.b", "").File("new", "n").Bytes());
        S.Prepare("ctr", l2);
        var (a, hasB, c, n) = WithMounted("ctr", root => (File.ReadAllText(Path.Combine(root, "a")), File.Exists(Path.Combine(root, "dir/b")),
            File.ReadAllText(Path.Combine(root, "dir/c")), File.ReadAllText(Path.Combine(root, "new"))));
        Assert.Equal(("changed", false, "3", "n"), (a, hasB, c, n));
        // The committed parents are untouched.
        var l1Files = WithMounted(l1, root => File.ReadAllText(Path.Combine(root, "a")));
        Assert.Equal("1", l1Files);
    }

    [Fact]
    public void Diff_of_an_active_snapshot_emits_changes_and_whiteouts()
    {
        var l1 = Layer("base", null, new TarBuilder().File("keep", "k").File("gone", "g").Dir("d/").File("d/x", "x").Bytes());
        S.Prepare("work", l1);
        S.WithWritableView("work", root =>
        {
            File.Delete(Path.Combine(root, "gone"));
            Directory.Delete(Path.Combine(root, "d"), recursive: true);
            File.WriteAllText(Path.Combine(root, "added"), "new");
            return 0;
        });
        var ms = new MemoryStream();
        S.WriteDiff("work", ms);
        ms.Position = 0;
        var names = new List<string>();
        using (var r = new TarReader(ms, leaveOpen: true)) for (TarEntry? e; (e = r.GetNextEntry()) is not null;) names.Add(e.Name);
        Assert.Contains(".wh.gone", names);
        Assert.Contains(".wh.d", names);
        Assert.Contains("added", names);
        Assert.DoesNotContain("keep", names);

        // Applying the diff on the parent reproduces the active view.
        ms.Position = 0;
        var l2 = Layer("replay", l1, ms.ToArray());
        var files = WithMounted(l2, root => Directory.GetFileSystemEntries(root).Select(p => Path.GetFileName(p)!).Order().ToArray());
        Assert.Equal(new[] { "added", "keep" }, files);
    }

    [Fact]
    public void Diff_writes_links_as_links_and_reads_nothing_through_them()
    {
        using var outside = new TempDir("quai-outside");
        File.WriteAllText(Path.Combine(outside.Path, "secret"), "host");
        var l1 = Layer("base3", null, new TarBuilder().File("keep", "k").Bytes());
        S.Prepare("work3", l1);
        S.WithWritableView("work3", root =>
        {
            Directory.CreateSymbolicLink(Path.Combine(root, "esc"), outside.Path);
            File.CreateSymbolicLink(Path.Combine(root, "f"), Path.Combine(outside.Path, "secret"));
            Directory.CreateDirectory(Path.Combine(root, "d"));
            File.WriteAllText(Path.Combine(root, "d/a"), "aa");
            Tools.Run("ln", [Path.Combine(root, "d/a"), Path.Combine(root, "d/b")]).Ok();
            return 0;
        });
        var ms = new MemoryStream();
        S.WriteDiff("work3", ms);
        ms.Position = 0;
        var entries = new Dictionary<string, (TarEntryType Type, string Link, string Data)>();
        using (var r = new TarReader(ms, leaveOpen: true))
            for (TarEntry? e; (e = r.GetNextEntry()) is not null;)
                entries[e.Name] = (e.EntryType, e.LinkName, e.DataStream is null ? "" : new StreamReader(e.DataStream).ReadToEnd());
        Assert.Equal((TarEntryType.SymbolicLink, outside.Path), (entries["esc"].Type, entries["esc"].Link));
        Assert.Equal(TarEntryType.SymbolicLink, entries["f"].Type);
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("esc/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries.Values, v => v.Data.Contains("host"));
        Assert.Equal("aa", entries["d/a"].Data);
        Assert.Equal((TarEntryType.HardLink, "d/a"), (entries["d/b"].Type, entries["d/b"].Link));
    }

    [Fact]
    public void Replaced_directory_diff_replays_to_the_same_tree()
    {
        var l1 = Layer("base2", null, new TarBuilder().File("d/old1", "1").File("d/old2", "2").File("d/sub/x", "x").Bytes());
        S.Prepare("work2", l1);
        S.WithWritableView("work2", root =>
        {
            Directory.Delete(Path.Combine(root, "d"), recursive: true);
            Directory.CreateDirectory(Path.Combine(root, "d"));
            File.WriteAllText(Path.Combine(root, "d/new"), "n");
            return 0;
        });
        var ms = new MemoryStream();
        S.WriteDiff("work2", ms);
        var replay = Layer("replay2", l1, ms.ToArray());
        var files = WithMounted(replay, root => Directory.GetFileSystemEntries(Path.Combine(root, "d"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p)).Order().ToArray());
        Assert.Equal(new[] { "d/new" }, files);
    }

    [Fact]
    public void Many_layers_mount_despite_the_option_length_limit()
    {
        string? parent = null;
        for (int i = 0; i < 120; i++)
            parent = Layer($"layer-{i:D3}-{new string('x', 40)}", parent, new TarBuilder().File($"f{i}", i.ToString()).Bytes());
        S.Prepare("top", parent);
        var count = WithMounted("top", root => Directory.GetFiles(root).Length);
        Assert.Equal(120, count);
    }

    [Fact]
    public void Commit_of_an_existing_name_discards_the_duplicate()
    {
        var tar = new TarBuilder().File("a", "1").Bytes();
        S.Prepare("k1", null);
        S.WithWritableView("k1", d => LayerApplier.Apply(new MemoryStream(tar), d));
        S.Prepare("k2", null);
        S.WithWritableView("k2", d => LayerApplier.Apply(new MemoryStream(tar), d));
        Assert.True(S.Commit("same", "k1"));
        Assert.False(S.Commit("same", "k2"));
        Assert.Null(S.Stat("k2"));
        Assert.Equal(SnapshotKind.Committed, S.Stat("same")!.Kind);
    }

    [Fact]
    public void Parent_with_children_cannot_be_removed()
    {
        var l1 = Layer("p", null, new TarBuilder().File("a", "1").Bytes());
        S.Prepare("child", l1);
        var e = Assert.Throws<InvalidOperationException>(() => S.Remove(l1));
        Assert.Contains("child", e.Message);
        S.Remove("child");
        S.Remove(l1);
        Assert.Null(S.Stat(l1));
    }

    [Fact]
    public void Prepare_on_an_active_parent_is_refused()
    {
        S.Prepare("active", null);
        Assert.Throws<InvalidOperationException>(() => S.Prepare("x", "active"));
        Assert.Throws<SnapshotNotFoundException>(() => S.Prepare("y", "nope"));
    }
}

public sealed class OverlaySnapshotterTests() : SnapshotterTests("overlayfs")
{
    protected override string Name => "overlayfs";
}

public sealed class NativeSnapshotterTests() : SnapshotterTests("native")
{
    protected override string Name => "native";
}
