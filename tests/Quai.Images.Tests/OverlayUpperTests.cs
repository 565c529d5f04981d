using System.Formats.Tar;
using System.Security.Cryptography;
using Quai.Fs;
using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Images.Snapshots;
using Quai.Interop;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>The overlay fast path: a layer applied straight into an empty upper directory (whiteouts in overlay's
/// on-disk form, no mount) must give the same merged tree as the same layer applied through a mounted view of its
/// parents; layers that need the layers below fall back; the parallel unpack gives the tree of the one-by-one one.</summary>
public sealed class OverlayUpperTests : IDisposable
{
    private readonly TempStore _store = new("overlayfs");
    private OverlaySnapshotter S => (OverlaySnapshotter)_store.Store.Snapshotter;

    public void Dispose() => _store.Dispose();

    private static Dictionary<string, string> Xattr(string name, string value) => new() { ["SCHILY.xattr." + name] = value };

    private static readonly byte[] Base1 = new TarBuilder()
        .Dir("etc/", 0x1ED).File("etc/passwd", "root:x:0:0\n").File("etc/old", "old").Dir("etc/sub/").File("etc/sub/deep", "d")
        .Dir("opt/", 0x1E8 /* 0750 */, 5, 6).File("opt/keep", "k", 0x1A4, 7, 8).File("opt/gone", "g")
        .Dir("var/").Dir("var/lib/").File("var/lib/a", "shared").Hardlink("var/lib/b", "var/lib/a")
        .Dir("redo/").File("redo/old", "o").Dir("dir2file/").File("dir2file/x", "x").File("file2dir", "f")
        .Symlink("lnk", "etc/passwd").Dir("usr/", 0x1ED, 0, 0, Xattr("user.dir", "usr")).Dir("usr/lib/").File("usr/lib/libc", "c").Symlink("lib", "usr/lib")
        .Bytes();

    private static readonly byte[] Base2 = new TarBuilder()
        .Dir("opt/", 0x1ED).File("opt/second", "2").Dir("etc/").File("etc/.wh.old", "").Bytes();

    /// <summary>Every kind of entry and whiteout a layer can carry whose directories are its own.</summary>
    private static readonly byte[] Top = new TarBuilder()
        .Dir("opt/", 0x1C0, 9, 9, Xattr("user.top", "yes")).File("opt/.wh.gone", "").File("opt/new", "n", 0x9ED /* 4755 */, 3, 4, Xattr("user.f", "v"))
        .Dir("etc/").File("etc/.wh..wh..opq", "").File("etc/fresh", "f")
        .File(".wh.redo", "").Dir("redo/").File("redo/x", "x")
        .File("dir2file", "now a file").Dir("file2dir/").File("file2dir/inside", "i")
        .File("h1", "hard").Hardlink("h2", "h1").Dir("hl/").Hardlink("hl/h3", "h1")
        .Symlink("sym", "../../etc/fresh").Fifo("fifo").Device("null", TarEntryType.CharacterDevice, 1, 3)
        .File(".wh.nothing-below", "").File("tmpf", "t").File(".wh.tmpf", "")
        .Dir("var/").File("var/.wh.lib", "").Dir("newdir/", 0x1FF).File("newdir/.wh..wh..opq", "")
        .Bytes();

    private string Commit(string key, string? parent, byte[] tar, bool upper)
    {
        if (upper)
        {
            var ahead = key + "-ahead";
            S.Prepare(ahead, null);
            var applied = S.WithUpper(ahead, dir => LayerApplier.Apply(new MemoryStream(tar), dir, overlayUpper: true));
            S.Prepare(key, parent);
            S.AdoptUpper(key, ahead);
            S.DropNeedlessWhiteouts(key, applied.Whiteouts!);
            Assert.Null(S.Stat(ahead));
        }
        else
        {
            S.Prepare(key, parent);
            S.WithWritableView(key, dir => LayerApplier.Apply(new MemoryStream(tar), dir));
        }
        var name = "committed-" + key;
        Assert.True(S.Commit(name, key));
        return name;
    }

    private T Mounted<T>(string key, Func<string, T> read)
    {
        using var target = new TempDir("quai-mnt");
        MountHelper.MountAll(S.Mounts(key), target.Path);
        try { return read(target.Path); }
        finally { MountHelper.Unmount(target.Path); }
    }

    [Fact]
    public void A_layer_applied_to_an_empty_upper_gives_the_merged_tree_of_one_applied_through_a_mount()
    {
        var b1 = Commit("b1", null, Base1, upper: false);
        var b2 = Commit("b2", b1, Base2, upper: false);
        var viaMount = Commit("top-mounted", b2, Top, upper: false);
        var direct = Commit("top-direct", b2, Top, upper: true);

        var expected = Mounted(viaMount, Tree.Of);
        var actual = Mounted(direct, Tree.Of);
        Assert.Equal(expected, actual);
        // and the test sees what it is meant to: the whiteouts took effect, the opaque dirs hide their lower files
        Assert.Contains(expected, l => l.StartsWith("opt/new f 4755 3:4 ", StringComparison.Ordinal));
        Assert.DoesNotContain(expected, l => l.StartsWith("opt/gone ", StringComparison.Ordinal) || l.StartsWith("etc/passwd ", StringComparison.Ordinal)
            || l.StartsWith("redo/old ", StringComparison.Ordinal) || l.StartsWith("var/lib/", StringComparison.Ordinal) || l.StartsWith("tmpf ", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("opt/second ", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("redo/x ", StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("links h1 h2 hl/h3", StringComparison.Ordinal));

        // the upper holds overlay's own whiteouts, and no mount was left behind
        var upper = S.FsDir(_store.Store.Metadata.Snapshot(direct)!.Id);
        var wh = NativeFs.Lstat(Path.Combine(upper, "opt/gone"));
        Assert.Equal((NativeFs.S_IFCHR, 0UL), (wh.Type, wh.Rdev));
        Assert.Contains(NativeFs.LGetXattrs(Path.Combine(upper, "etc")), x => x.Name == TarExtractor.OverlayOpaqueXattr && x.Value.SequenceEqual("y"u8.ToArray()));
        Assert.Contains(NativeFs.LGetXattrs(Path.Combine(upper, "redo")), x => x.Name == TarExtractor.OverlayOpaqueXattr);
        Assert.DoesNotContain(NativeFs.LGetXattrs(Path.Combine(upper, "opt")), x => x.Name == TarExtractor.OverlayOpaqueXattr);
        Assert.Empty(TempDir.MountsUnder(_store.Root));
    }

    public static TheoryData<string, byte[]> NeedTheLayersBelow => new()
    {
        { "hard link to a lower file", new TarBuilder().Dir("var/").Dir("var/lib/").Hardlink("var/lib/c", "var/lib/a").Bytes() },
        { "parent only in a lower layer", new TarBuilder().File("etc/sub/new", "n").Bytes() },
        { "parent a lower symlink", new TarBuilder().File("lib/libm", "m").Bytes() },
        { "whiteout in a lower directory", new TarBuilder().File("opt/.wh.keep", "").Bytes() },
        { "opaque lower directory", new TarBuilder().File("etc/.wh..wh..opq", "").Bytes() },
        { "opaque root", new TarBuilder().File(".wh..wh..opq", "").File("only", "o").Bytes() },
    };

    [Theory]
    [MemberData(nameof(NeedTheLayersBelow))]
    public void A_layer_that_needs_the_layers_below_is_refused_in_an_upper_and_unpacks_through_a_mount(string what, byte[] layer)
    {
        using var upper = new TempDir("quai-upper");
        Assert.Throws<MergedViewRequiredException>(() => LayerApplier.Apply(new MemoryStream(layer), upper.Path, overlayUpper: true));

        // through the store: the same tree either way (the parallel unpack falls back to the mount for that layer)
        using var other = new TempStore("overlayfs");
        var layers = new[] { Base1, Base2, layer, Top };
        var parallel = UnpackTree(_store.Store, layers, Unpacker.Parallelism);
        var oneByOne = UnpackTree(other.Store, layers, parallelism: 1);
        Assert.Equal(oneByOne, parallel);
        Assert.NotEmpty(what);
    }

    [Fact]
    public void A_0_0_character_device_in_a_layer_is_never_written_to_an_upper_as_a_whiteout()
    {
        using var upper = new TempDir("quai-upper");
        Assert.Throws<MergedViewRequiredException>(() => LayerApplier.Apply(new MemoryStream(
            new TarBuilder().Device("c00", TarEntryType.CharacterDevice, 0, 0).Bytes()), upper.Path, overlayUpper: true));
    }

    [Fact]
    public void Whiteouts_of_names_the_layers_below_lack_are_dropped_from_the_upper()
    {
        var b1 = Commit("b1", null, Base1, upper: false);
        var top = Commit("top", b1, new TarBuilder().File(".wh.etc", "").File(".wh.none", "").Dir("usr/").File("usr/.wh.zzz", "")
            .Dir("fresh/").File("fresh/.wh.x", "").Dir("opq/").File("opq/.wh..wh..opq", "").File("opq/.wh.y", "").Bytes(), upper: true);
        var upper = S.FsDir(_store.Store.Metadata.Snapshot(top)!.Id);
        Assert.Equal(["etc", "fresh", "opq", "usr"], Directory.EnumerateFileSystemEntries(upper).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(upper, "usr")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(upper, "fresh")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(upper, "opq")));
        Assert.Equal(NativeFs.S_IFCHR, NativeFs.Lstat(Path.Combine(upper, "etc")).Type);
    }

    [Fact]
    public void The_parallel_unpack_gives_the_tree_of_the_one_by_one_unpack_and_leaves_only_committed_snapshots()
    {
        using var other = new TempStore("overlayfs");
        var layers = new[]
        {
            Base1, Base2, Top,
            new TarBuilder().Dir("opt/").Hardlink("opt/again", "opt/keep").Bytes(), // needs the mount
            new TarBuilder().File("redo/.wh.x", "").Dir("redo/").File("redo/y", "y").Bytes(),
            new TarBuilder().Dir("big/").File("big/blob", RandomNumberGenerator.GetBytes(3 << 20)).Bytes(),
        };
        var parallel = UnpackTree(_store.Store, layers, 3);
        Assert.Equal(UnpackTree(other.Store, layers, parallelism: 1), parallel);
        Assert.Contains(parallel, l => l.StartsWith("links opt/again opt/keep", StringComparison.Ordinal));
        // nothing but the chain's snapshots (no upper made ahead, no extraction key) remains
        Assert.All(_store.Store.Metadata.Snapshots(), s => Assert.StartsWith("sha256:", s.Key));
        Assert.Equal(layers.Length, _store.Store.Metadata.Snapshots().Count);
        Assert.Equal(layers.Length, Directory.GetDirectories(S.Root).Length);
    }

    [Fact]
    public void A_failing_layer_in_the_parallel_unpack_fails_it_and_leaves_no_snapshot_of_its_own()
    {
        var layers = new[] { Base1, Base2, Top, new TarBuilder().File("z", "z").Bytes() };
        var (content, descs, diffIds) = Ingest(_store.Store, layers);
        diffIds[2] = Digest.Compute("not the top layer"u8);
        using (var lease = new Lease(_store.Store.Metadata))
        {
            var e = Assert.Throws<InvalidDataException>(() => Unpacker.Unpack(content, S, lease, descs, diffIds, parallelism: 3));
            Assert.Contains($"layer {descs[2].Digest}: uncompressed content is {Digest.Compute(Top)}", e.Message);
            // the layers below it are committed (the lease holds them), nothing of the others is left
            Assert.All(_store.Store.Metadata.Snapshots(), s => Assert.StartsWith("sha256:", s.Key));
            Assert.True(_store.Store.Metadata.Snapshots().Count <= 2);
        }
        _store.Store.CollectGarbage();
        Assert.Empty(_store.Store.Metadata.Snapshots());
        Assert.Empty(Directory.GetDirectories(S.Root));
    }

    private static (Content.ContentStore, List<Descriptor>, List<Digest>) Ingest(ImageStore store, IReadOnlyList<byte[]> layers)
    {
        var descs = new List<Descriptor>();
        foreach (var l in layers)
        {
            var gz = TarBuilder.Gzip(l);
            var (d, size) = store.Content.Ingest(gz, "layer");
            descs.Add(Descriptor.For(MediaTypes.OciLayerFor(Compression.Gzip), d, size));
        }
        return (store.Content, descs, layers.Select(l => Digest.Compute(l)).ToList());
    }

    private static List<string> UnpackTree(ImageStore store, IReadOnlyList<byte[]> layers, int parallelism)
    {
        var (content, descs, diffIds) = Ingest(store, layers);
        using var lease = new Lease(store.Metadata);
        var (top, _) = Unpacker.Unpack(content, store.Snapshotter, lease, descs, diffIds, parallelism: parallelism);
        using var target = new TempDir("quai-mnt");
        MountHelper.MountAll(store.Snapshotter.Mounts(top!.Value.ToString()), target.Path);
        try { return Tree.Of(target.Path); }
        finally { MountHelper.Unmount(target.Path); }
    }

    /// <summary>A tree as lines: path, type, mode, owner, mtime ("now" for one set by the extraction itself),
    /// content hash, link target, device, xattrs; then one line per group of hard links.</summary>
    private static class Tree
    {
        /// <summary>The archives' entries are dated 2020; a directory an extraction changed without an entry of its own
        /// (a file made in a lower directory) has the time of the extraction, which differs between two of them.</summary>
        private static readonly long Recent = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();

        public static List<string> Of(string root)
        {
            var lines = new List<string>();
            var inodes = new Dictionary<(ulong, ulong), List<string>>();
            Walk(root, "", lines, inodes);
            lines.Sort(StringComparer.Ordinal);
            lines.AddRange(inodes.Values.Where(g => g.Count > 1).Select(g => "links " + string.Join(' ', g.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal));
            return lines;
        }

        private static void Walk(string root, string rel, List<string> lines, Dictionary<(ulong, ulong), List<string>> inodes)
        {
            foreach (var full in Directory.EnumerateFileSystemEntries(rel.Length == 0 ? root : Path.Combine(root, rel)))
            {
                var path = rel.Length == 0 ? Path.GetFileName(full) : rel + "/" + Path.GetFileName(full);
                var st = NativeFs.Lstat(full);
                string type = st.Type switch
                {
                    NativeFs.S_IFDIR => "d", NativeFs.S_IFREG => "f", NativeFs.S_IFLNK => "l", NativeFs.S_IFCHR => "c", NativeFs.S_IFIFO => "p", _ => "?" + st.Type,
                };
                var detail = st.Type switch
                {
                    NativeFs.S_IFREG => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(full)))[..16],
                    NativeFs.S_IFLNK => "-> " + NativeFs.ReadLinkAt(NativeFs.AT_FDCWD, full, full),
                    NativeFs.S_IFCHR => "dev " + st.Rdev,
                    _ => "",
                };
                var xattrs = string.Join(',', NativeFs.LGetXattrs(full).Select(x => x.Name + "=" + Convert.ToHexString(x.Value)).Order(StringComparer.Ordinal));
                lines.Add($"{path} {type} {Convert.ToString(st.Mode & 0xFFF, 8)} {st.Uid}:{st.Gid} {(st.Mtime.Sec >= Recent ? "now" : $"{st.Mtime.Sec}.{st.Mtime.Nsec:D9}")} {detail} [{xattrs}]");
                if (st.Type == NativeFs.S_IFREG)
                {
                    if (!inodes.TryGetValue((st.Dev, st.Ino), out var group)) inodes[(st.Dev, st.Ino)] = group = [];
                    group.Add(path);
                }
                if (st.Type == NativeFs.S_IFDIR) Walk(root, path, lines, inodes);
            }
        }
    }
}
