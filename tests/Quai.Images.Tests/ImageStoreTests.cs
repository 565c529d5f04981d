using Quai.Fs;
using Quai.Images.Archives;
using Quai.Images.Snapshots;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

public sealed class ImageStoreTests : IDisposable
{
    private readonly TempStore _t = new();
    private ImageStore Store => _t.Store;

    public void Dispose() => _t.Dispose();

    private static byte[] L(string file, string content) => new TarBuilder().File(file, content).Bytes();

    [Fact]
    public void Import_busybox_rootfs_with_changes_and_run_view()
    {
        var rec = Store.Import(new MemoryStream(TarBuilder.Gzip(Busybox.RootfsTar())), new ImportOptions
        {
            Tag = Reference.Parse("bb:test"),
            Changes = ["CMD [\"sh\", \"-c\", \"echo hi\"]", "ENV A=1 B=\"two words\"", "WORKDIR /srv", "ENTRYPOINT /bin/true", "USER 1000", "EXPOSE 80", "LABEL x=y"],
        });
        var img = Store.Resolve("bb:test");
        Assert.Equal(rec.Id, img.Id);
        Assert.Equal(["sh", "-c", "echo hi"], img.Config.Config!.Cmd!);
        Assert.Equal(["/bin/sh", "-c", "/bin/true"], img.Config.Config.Entrypoint!);
        Assert.Equal(["A=1", "B=two words"], img.Config.Config.Env!);
        Assert.Equal("/srv", img.Config.Config.WorkingDir);
        Assert.True(img.Config.Config.ExposedPorts!.ContainsKey("80/tcp"));
        Assert.Equal(["docker.io/library/bb:test"], img.Tags);
        Assert.True(rec.Size > 500_000);

        // Short and long IDs resolve too.
        Assert.Equal(rec.Id, Store.Find(Digest.Parse(rec.Id).Short).Id);
        Assert.Equal(rec.Id, Store.Find(rec.Id).Id);
        Assert.Equal(rec.Id, Store.Find(rec.Id[7..]).Id);

        var rootfs = Store.PrepareRootfs("c1", "bb:test");
        using var mnt = new TempDir("quai-mnt");
        MountHelper.MountAll(rootfs.Mounts, mnt.Path);
        try
        {
            Assert.Equal("busybox", new FileInfo(Path.Combine(mnt.Path, "bin/sh")).LinkTarget);
            Assert.Equal(new FileInfo(Busybox.Path).Length, new FileInfo(Path.Combine(mnt.Path, "bin/busybox")).Length);
        }
        finally { MountHelper.Unmount(mnt.Path); }
        Store.ReleaseRootfs("c1");
    }

    [Fact]
    public void Bad_change_is_refused_and_nothing_is_stored()
    {
        var e = Assert.Throws<FormatException>(() => Store.Import(new MemoryStream(Busybox.RootfsTar()), new ImportOptions { Changes = ["RUN rm -rf /"] }));
        Assert.Contains("RUN", e.Message);
        Assert.Empty(Store.List());
    }

    [Theory]
    [InlineData(Compression.None)]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public void Loads_oci_archive_with_each_layer_compression(Compression compression)
    {
        var b = new ImageBuilder();
        var (m, config) = b.AddImage([L("a", "1"), L("b", "2"), new TarBuilder().File(".wh.a", "").Bytes()], compression);
        var loaded = Store.Load(new MemoryStream(b.OciArchive((m, "example.com/app:1"))));
        Assert.Equal(config.ToString(), Assert.Single(loaded).Id);
        Assert.Equal("example.com/app:1", loaded[0].Tags[0].ToString());
        var img = Store.Resolve("example.com/app:1");
        Assert.Equal(3, Store.LayerSizes(img.Record).Count);
        Store.PrepareRootfs("c", "example.com/app:1");
        var names = Store.Snapshotter.WithWritableView("container-c", d => Directory.GetFileSystemEntries(d).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.Equal(["b"], names);
    }

    [Fact]
    public void Loads_docker_archive_and_saves_it_back_loadable()
    {
        var archive = ImageBuilder.DockerArchive([L("x", "1"), L("y", "2")], "busybox:old", TarBuilder.Gzip);
        var loaded = Store.Load(new MemoryStream(archive));
        Assert.Equal("docker.io/library/busybox:old", Assert.Single(Assert.Single(loaded).Tags).ToString());
        Store.Tag("busybox:old", "registry.local:5000/team/bb:v2");

        var saved = new MemoryStream();
        Store.Save(["busybox:old", "registry.local:5000/team/bb:v2"], saved);
        using var other = new TempStore();
        var again = other.Store.Load(new MemoryStream(saved.ToArray()));
        var tags = again.SelectMany(l => l.Tags).Select(t => t.ToString()).Order().ToArray();
        Assert.Equal(new[] { "docker.io/library/busybox:old", "registry.local:5000/team/bb:v2" }, tags);
        Assert.Equal(loaded[0].Id, again[0].Id);

        var oci = new MemoryStream();
        Store.Save([Digest.Parse(loaded[0].Id).Short], oci, ArchiveFormat.Oci);
        using var third = new TempStore();
        var byId = Assert.Single(third.Store.Load(new MemoryStream(oci.ToArray())));
        Assert.Empty(byId.Tags);
        Assert.Equal(loaded[0].Id, byId.Id);
    }

    [Fact]
    public void Multi_arch_index_is_kept_whole_and_platform_selects()
    {
        var b = new ImageBuilder();
        var (amd, amdConfig) = b.AddImage([L("arch", "amd64")], arch: "amd64");
        var (arm, armConfig) = b.AddImage([L("arch", "arm64")], arch: "arm64");
        arm.Platform!.Variant = "v8";
        var index = b.AddIndex(amd, arm);
        var archive = b.OciArchive((index, "multi:1"));

        var rec = Store.Find(Assert.Single(Store.Load(new MemoryStream(archive), Platform.Parse("linux/arm64"))).Id);
        Assert.Equal(index.Digest, rec.Id);
        Assert.Equal(armConfig.ToString(), rec.ConfigDigest);
        Assert.Equal("linux/arm64", rec.Platform);
        // Both platforms' blobs are kept: saving gives back the whole index.
        var saved = new MemoryStream();
        Store.Save(["multi:1"], saved);
        using var other = new TempStore();
        var rec2 = other.Store.Find(Assert.Single(other.Store.Load(new MemoryStream(saved.ToArray()), Platform.Parse("linux/amd64"))).Id);
        Assert.Equal(amdConfig.ToString(), rec2.ConfigDigest);

        var e = Assert.Throws<InvalidDataException>(() => other.Store.Load(new MemoryStream(archive), Platform.Parse("linux/s390x")));
        Assert.Contains("linux/s390x", e.Message);
    }

    public static TheoryData<string> HostileLayers => ["dotdot", "absolute", "symlink", "hardlink"];

    [Theory]
    [MemberData(nameof(HostileLayers))]
    public void Hostile_archive_is_refused_nothing_tagged_nothing_written_outside(string kind)
    {
        using var outside = new TempDir("quai-outside");
        var marker = "quai-pwned-" + Guid.NewGuid().ToString("N");
        var evil = kind switch
        {
            "dotdot" => new TarBuilder().File("ok", "x").File("../../../../../../" + outside.Path.TrimStart('/') + "/" + marker, "x").Bytes(),
            "absolute" => new TarBuilder().File(outside.Path + "/" + marker, "x").Bytes(),
            "symlink" => new TarBuilder().Symlink(marker, outside.Path).File(marker + "/pwned", "x").Bytes(),
            _ => new TarBuilder().Hardlink(marker, "/etc/passwd").Bytes(),
        };
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([L("ok", "fine"), evil]);
        var e = Assert.Throws<Quai.Fs.TarFormatException>(() => Store.Load(new MemoryStream(b.OciArchive((m, "evil:1")))));
        Assert.Contains(marker, e.Message);
        Assert.Empty(Store.List());
        Assert.Null(Store.TryFind("evil:1"));
        Assert.Empty(Directory.GetFileSystemEntries(outside.Path));
        Assert.Empty(TempDir.MountsUnder(Store.Root));
        // The failed load collected what it had written.
        Assert.Empty(Store.Content.List());
        Assert.Empty(Store.Metadata.Snapshots());
    }

    [Fact]
    public void Blob_whose_content_does_not_match_its_name_is_refused()
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([L("a", "1")]);
        var archive = b.OciArchive((m, "x:1"));
        var layerHex = m.Digest; // any blob will do: rewrite the manifest blob with other bytes
        var rewritten = new MemoryStream();
        using (var r = new System.Formats.Tar.TarReader(new MemoryStream(archive)))
        using (var w = new System.Formats.Tar.TarWriter(rewritten, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            for (System.Formats.Tar.TarEntry? e; (e = r.GetNextEntry(copyData: true)) is not null;)
            {
                if (e.Name == "blobs/sha256/" + Digest.Parse(layerHex).Hex)
                    ImageBuilder.Write(w, e.Name, "{\"tampered\":true}"u8.ToArray());
                else
                    w.WriteEntry(e);
            }
        }
        var ex = Assert.Throws<InvalidDataException>(() => Store.Load(new MemoryStream(rewritten.ToArray())));
        Assert.Contains("blobs/sha256/" + Digest.Parse(layerHex).Hex, ex.Message);
        Assert.Empty(Store.List());
        Assert.Empty(Directory.GetFiles(Store.Content.IngestDir));
    }

    private static int IndexOf(byte[] hay, byte[] needle) => hay.AsSpan().IndexOf(needle);

    [Fact]
    public void Rmi_untags_then_deletes_and_gc_removes_unshared_layers()
    {
        var shared = L("shared", "s");
        var b = new ImageBuilder();
        var (m1, _) = b.AddImage([shared, L("one", "1")]);
        var (m2, _) = b.AddImage([shared, L("two", "2")]);
        Store.Load(new MemoryStream(b.OciArchive((m1, "one:1"), (m2, "two:1"))));
        Store.Tag("one:1", "one:alias");
        var snapshotsBefore = Store.Metadata.Snapshots().Count;
        Assert.Equal(3, snapshotsBefore);

        var r1 = Store.Remove("one:alias");
        Assert.Equal(["one:alias"], r1.Untagged);
        Assert.Empty(r1.Deleted);
        var r2 = Store.Remove("one:1");
        Assert.Single(r2.Deleted);
        Assert.Equal(2, Store.Metadata.Snapshots().Count); // the shared base stays for two:1
        Assert.Throws<ImageNotFoundException>(() => Store.Remove("one:1"));
        Store.Remove("two:1");
        Assert.Empty(Store.Metadata.Snapshots());
        Assert.Empty(Store.Content.List());
        Assert.Empty(Directory.GetDirectories(Path.Combine(Store.Root, "snapshots")));
    }

    [Fact]
    public void Image_used_by_a_container_needs_force_and_keeps_its_layers()
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([L("a", "1")]);
        var id = Store.Load(new MemoryStream(b.OciArchive((m, "used:1"))))[0].Id;
        Store.PrepareRootfs("ctr", "used:1");
        var e = Assert.Throws<ImageConflictException>(() => Store.Remove("used:1"));
        Assert.Contains("container", e.Message);
        Assert.Empty(Store.Prune(all: true).Deleted);
        Store.Remove("used:1", force: true);
        Assert.Null(Store.TryFind(id));
        // The container's rootfs still has its parent layer.
        Assert.Equal(2, Store.Metadata.Snapshots().Count);
        Store.ReleaseRootfs("ctr");
        Store.CollectGarbage();
        Assert.Empty(Store.Metadata.Snapshots());
    }

    [Fact]
    public void Prune_removes_dangling_only_unless_all()
    {
        var b = new ImageBuilder();
        var (m1, _) = b.AddImage([L("a", "1")]);
        var (m2, _) = b.AddImage([L("b", "2")]);
        Store.Load(new MemoryStream(b.OciArchive((m1, null), (m2, "kept:1"))));
        var r = Store.Prune(all: false);
        Assert.Single(r.Deleted);
        Assert.True(r.BytesReclaimed > 0);
        Assert.Single(Store.List());
        Assert.Single(Store.Prune(all: true).Deleted);
        Assert.Empty(Store.List());
    }

    [Fact]
    public void Commit_of_a_container_makes_a_new_image_with_its_changes()
    {
        Store.Import(new MemoryStream(Busybox.RootfsTar()), new ImportOptions { Tag = Reference.Parse("base:1") });
        Store.PrepareRootfs("c2", "base:1");
        Store.Snapshotter.WithWritableView("container-c2", d =>
        {
            File.WriteAllText(Path.Combine(d, "etc/hello"), "world");
            File.Delete(Path.Combine(d, "etc/passwd"));
            return 0;
        });
        var rec = Store.CommitRootfs("c2", new CommitOptions { Tag = Reference.Parse("committed:1"), Changes = ["CMD [\"cat\", \"/etc/hello\"]"] });
        var img = Store.Resolve("committed:1");
        Assert.Equal(rec.Id, img.Id);
        Assert.Equal(2, img.Config.RootFs.DiffIds.Count);
        Assert.Equal(["cat", "/etc/hello"], img.Config.Config!.Cmd!);
        Store.PrepareRootfs("c3", "committed:1");
        var (hello, passwd) = Store.Snapshotter.WithWritableView("container-c3", d => (File.ReadAllText(Path.Combine(d, "etc/hello")), File.Exists(Path.Combine(d, "etc/passwd"))));
        Assert.Equal(("world", false), (hello, passwd));
    }

    [Fact]
    public void Store_root_layout_is_as_documented()
    {
        Assert.True(File.Exists(Path.Combine(Store.Root, "quai.db")));
        Assert.True(Directory.Exists(Path.Combine(Store.Root, "content/blobs/sha256")));
        Assert.True(Directory.Exists(Path.Combine(Store.Root, "content/ingest")));
        Assert.Equal(Store.Snapshotter.Name, File.ReadAllText(Path.Combine(Store.Root, "snapshots/driver")).Trim());
        var e = Assert.Throws<InvalidOperationException>(() => ImageStore.Open(new ImageStoreOptions { Root = Store.Root, Snapshotter = Store.Snapshotter.Name == "native" ? "overlayfs" : "native" }));
        Assert.Contains("cannot switch", e.Message);
    }
}
