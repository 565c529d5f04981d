namespace Quai.Images.Tests;

/// <summary>Runs the published (NativeAOT) quai binary against a temp store, and checks interoperability with
/// podman, skopeo and umoci. Each test has its own store root, podman storage and work directory.</summary>
public sealed class CliEndToEndTests : IDisposable
{
    private readonly TempDir _dir = new("quai-e2e");
    // podman refuses a runroot longer than 50 characters.
    private readonly string _podmanRun = $"/tmp/qp-{Guid.NewGuid():N}"[..16];
    private string Root => Path.Combine(_dir.Path, "store");
    private string PodmanRoot => Path.Combine(_dir.Path, "podman");

    public void Dispose()
    {
        if (Directory.Exists(PodmanRoot)) Podman("rmi", "-a", "-f");
        _dir.Dispose();
        foreach (var m in TempDir.MountsUnder(_podmanRun).OrderByDescending(m => m.Length)) Snapshots.MountHelper.Unmount(m);
        if (Directory.Exists(_podmanRun)) Directory.Delete(_podmanRun, recursive: true);
    }

    private Tools.Result Quai(params string[] args) => Tools.Run(Tools.Quai, ["--root", Root, .. args]);

    private Tools.Result QuaiEnv(Dictionary<string, string> env, params string[] args) => Tools.Run(Tools.Quai, args, env);

    private Tools.Result Podman(params string[] args)
        => Tools.Run("podman", ["--root", PodmanRoot, "--runroot", _podmanRun, "--storage-driver", "vfs", .. args]);

    private string File(string name) => Path.Combine(_dir.Path, name);

    private string ImportBusybox(string tag)
    {
        System.IO.File.WriteAllBytes(File("rootfs.tar"), Busybox.RootfsTar());
        var id = Quai("import", "-c", "CMD [\"sh\"]", "-m", "test rootfs", File("rootfs.tar"), tag).Ok().Stdout.Trim();
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        return id;
    }

    [RequiresFact("quai")]
    public void Images_tag_inspect_history_rmi_speak_docker()
    {
        var id = ImportBusybox("bb:e2e");
        var lines = Quai("images").Ok().Stdout.TrimEnd().Split('\n');
        Assert.Matches(@"^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$", lines[0]);
        Assert.Matches($@"^bb\s+e2e\s+{id[7..19]}\s+.+ ago\s+\d", lines[1]);
        Assert.Equal(id[7..19], Quai("images", "-q").Ok().Stdout.Trim());
        Assert.Equal(id, Quai("images", "-q", "--no-trunc").Ok().Stdout.Trim());
        Assert.Equal("bb:e2e", Quai("images", "--format", "{{.Repository}}:{{.Tag}}").Ok().Stdout.Trim());
        Assert.Contains("DIGEST", Quai("images", "--digests").Ok().Stdout);

        Quai("tag", "bb:e2e", "localhost:5000/x/bb:v1").Ok();
        Assert.Equal(2, Quai("images", "-q", "--no-trunc").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("localhost:5000/x/bb:v1", Quai("images", "--filter", "reference=localhost:5000/*/*", "--format", "{{.Repository}}:{{.Tag}}").Ok().Stdout.Trim());
        Assert.Equal("bb:e2e", Quai("images", "docker.io/library/bb", "--format", "{{.Repository}}:{{.Tag}}").Ok().Stdout.Trim());
        Assert.Equal("", Quai("images", "bb:other", "-q").Ok().Stdout.Trim());
        Assert.Equal(id, Quai("image", "inspect", "--format", "{{.Id}}", "bb:e2e").Ok().Stdout.Trim());
        Assert.Equal("[sh]", Quai("image", "inspect", "-f", "{{.Config.Cmd}}", id[7..19]).Ok().Stdout.Trim());
        Assert.Contains("\"RepoTags\": [", Quai("image", "inspect", "bb:e2e").Ok().Stdout);

        var history = Quai("history", "bb:e2e").Ok().Stdout;
        Assert.Contains("test rootfs", history);
        Assert.Matches(@"^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT", history);

        Assert.Equal("Untagged: localhost:5000/x/bb:v1", Quai("rmi", "localhost:5000/x/bb:v1").Ok().Stdout.Trim());
        var rm = Quai("rmi", "bb:e2e").Ok().Stdout;
        Assert.Equal($"Untagged: bb:e2e\nDeleted: {id}\n", rm);
        Assert.Equal("", Quai("images", "-q").Ok().Stdout);
    }

    [RequiresFact("quai")]
    public void Errors_and_exit_codes_follow_docker()
    {
        var missing = Quai("rmi", "nosuch");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error: No such image: nosuch:latest", missing.Stderr.Trim());
        var inspect = Quai("image", "inspect", "nosuch:1");
        Assert.Equal(1, inspect.ExitCode);
        Assert.Contains("No such image: nosuch:1", inspect.Stderr);
        Assert.Equal(125, Quai("images", "--bogus").ExitCode);
        var bad = Quai("tag", "x", "Bad/Name");
        Assert.NotEqual(0, bad.ExitCode);
        var loadMissing = Quai("load", "-i", File("does-not-exist.tar"));
        Assert.Equal(125, loadMissing.ExitCode);
        Assert.Contains("does-not-exist.tar", loadMissing.Stderr);
    }

    [RequiresFact("quai")]
    public void Root_comes_from_QUAI_ROOT_or_the_flag()
    {
        var envRoot = Path.Combine(_dir.Path, "env-root");
        System.IO.File.WriteAllBytes(File("rootfs.tar"), Busybox.RootfsTar());
        QuaiEnv(new() { ["QUAI_ROOT"] = envRoot }, "import", File("rootfs.tar"), "envimg:1").Ok();
        Assert.True(System.IO.File.Exists(Path.Combine(envRoot, "quai.db")));
        Assert.Contains("envimg", QuaiEnv(new() { ["QUAI_ROOT"] = envRoot }, "images").Ok().Stdout);
        Assert.DoesNotContain("envimg", Quai("images").Ok().Stdout);
    }

    [RequiresFact("quai")]
    public void Hostile_import_is_refused_with_the_path_and_leaves_no_image()
    {
        System.IO.File.WriteAllBytes(File("evil.tar"), new TarBuilder().File("ok", "1").File("../../evil-e2e", "x").Bytes());
        var r = Quai("import", File("evil.tar"), "evil:1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("../../evil-e2e", r.Stderr);
        Assert.Equal("", Quai("images", "-q").Ok().Stdout);
        Assert.False(System.IO.File.Exists(Path.Combine(_dir.Path, "evil-e2e")));
    }

    [RequiresFact("quai")]
    public void Load_of_a_directory_refuses_symlinks_and_special_files_and_reads_nothing_through_them()
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([new TarBuilder().File("hello", "layout").Bytes()]);
        System.IO.File.WriteAllBytes(File("layout.tar"), b.OciArchive((m, "dir:1")));
        var layout = File("layout");
        Directory.CreateDirectory(layout);
        Tools.Run("tar", ["-xf", File("layout.tar"), "-C", layout]).Ok();

        // blobs/ is a symlink to a host directory: its files must not become blobs of the store
        var outside = File("outside");
        Directory.CreateDirectory(outside);
        Directory.Move(Path.Combine(layout, "blobs"), Path.Combine(outside, "blobs"));
        System.IO.File.CreateSymbolicLink(Path.Combine(layout, "blobs"), Path.Combine(outside, "blobs"));
        var r = Quai("load", "-i", layout);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("symbolic links are not allowed", r.Stderr);
        Assert.Equal("", Quai("images", "-q").Ok().Stdout.Trim());
        Assert.False(Directory.Exists(Path.Combine(Root, "content", "blobs")) && Directory.EnumerateFiles(Path.Combine(Root, "content", "blobs")).Any(),
            "a file behind the symlink was copied into the store");

        // a FIFO in the layout is refused at once instead of blocking the load
        System.IO.File.Delete(Path.Combine(layout, "blobs"));
        Directory.Move(Path.Combine(outside, "blobs"), Path.Combine(layout, "blobs"));
        Tools.Run("mkfifo", [Path.Combine(layout, "blobs", "sha256", "fifo")]).Ok();
        r = Tools.Run(Tools.Quai, ["--root", Root, "load", "-i", layout], timeoutSeconds: 30);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("fifo: not a regular file", r.Stderr);

        System.IO.File.Delete(Path.Combine(layout, "blobs", "sha256", "fifo"));
        Assert.Equal("Loaded image: dir:1", Quai("load", "-i", layout).Ok().Stdout.Trim());
    }

    [RequiresFact("quai")]
    public async Task Parallel_loads_from_two_processes_share_layers()
    {
        var shared = Enumerable.Range(0, 3).Select(i => new TarBuilder().File($"s{i}", new byte[1 << 20].Select((_, j) => (byte)(j * (i + 1))).ToArray()).Bytes()).ToArray();
        var b1 = new ImageBuilder();
        var (m1, _) = b1.AddImage([.. shared, new TarBuilder().File("one", "1").Bytes()]);
        var b2 = new ImageBuilder();
        var (m2, _) = b2.AddImage([.. shared, new TarBuilder().File("two", "2").Bytes()]);
        System.IO.File.WriteAllBytes(File("one.tar"), b1.OciArchive((m1, "one:1")));
        System.IO.File.WriteAllBytes(File("two.tar"), b2.OciArchive((m2, "two:1")));
        var t1 = Task.Run(() => Quai("load", "-i", File("one.tar")));
        var t2 = Task.Run(() => Quai("load", "-i", File("two.tar")));
        Assert.Equal("Loaded image: one:1", (await t1).Ok().Stdout.Trim());
        Assert.Equal("Loaded image: two:1", (await t2).Ok().Stdout.Trim());
        using var store = ImageStore.Open(new ImageStoreOptions { Root = Root });
        StoreConsistency.Check(store);
        Assert.Equal(5, store.Metadata.Snapshots().Count);
    }

    [RequiresFact("quai")]
    public void Load_killed_midway_leaves_no_half_blob_or_image_and_gc_cleans_up()
    {
        var rnd = new Random(5);
        var layers = Enumerable.Range(0, 6).Select(i => { var d = new byte[12 << 20]; rnd.NextBytes(d); return new TarBuilder().File($"f{i}", d).Bytes(); }).ToList();
        var b = new ImageBuilder();
        var (m, _) = b.AddImage(layers, Oci.Image.Compression.Gzip);
        System.IO.File.WriteAllBytes(File("big.tar"), b.OciArchive((m, "crash:1")));
        for (int delayMs = 50; delayMs <= 800; delayMs *= 2)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(Tools.Quai) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--root", Root, "load", "-i", File("big.tar") }) psi.ArgumentList.Add(a);
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                Thread.Sleep(delayMs);
                if (!p.HasExited) p.Kill();
                p.WaitForExit();
            }
            using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
            {
                // Whatever the moment of the kill: every visible blob is complete, and the image is all or nothing.
                foreach (var d in store.Content.List())
                    using (var f = store.Content.OpenRead(d)) Assert.Equal(d, Oci.Image.Digest.Compute(f));
                var img = store.TryFind("crash:1");
                if (img is not null) StoreConsistency.Check(store);
            }
            Quai("image", "prune", "-a", "-f").Ok();
            using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
            {
                StoreConsistency.Check(store);
                Assert.Empty(store.Content.List());
                Assert.Empty(store.Metadata.Snapshots());
                Assert.Empty(Directory.GetFiles(store.Content.IngestDir));
                Assert.Empty(TempDir.MountsUnder(Root));
            }
        }
    }

    [RequiresFact("quai")]
    public void Load_and_import_killed_at_each_step_leave_no_mount_and_the_next_command_collects_their_garbage()
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([.. Enumerable.Range(0, 3).Select(i => new TarBuilder().File($"f{i}", new byte[1 << 20]).Bytes())]);
        System.IO.File.WriteAllBytes(File("three.tar"), b.OciArchive((m, "steps:1")));
        System.IO.File.WriteAllBytes(File("rootfs.tar"), Busybox.RootfsTar());
        var steps = new[] { ("load", "images.ingest.writing"), ("load", "images.unpack.mounted"), ("load", "images.unpack.committed"), ("import", "images.ingest.writing") };
        foreach (var (command, point) in steps)
        {
            var args = command == "load" ? new[] { "--root", Root, "load", "-i", File("three.tar") } : ["--root", Root, "import", File("rootfs.tar"), "steps:1"];
            var killed = Tools.Run(Tools.Quai, args, new Dictionary<string, string> { ["QUAI_FAULT"] = point });
            Assert.True(killed.ExitCode == 137, $"{command} at {point}: exit {killed.ExitCode}, {killed.Stderr}");
            // the overlay of a layer being applied lived in the killed process's own mount namespace
            Assert.Empty(TempDir.MountsUnder(Root));
            // any next command collects what the killed one held: nothing is left that no image uses
            Assert.Equal("", Quai("images", "-q").Ok().Stdout.Trim());
            using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
            {
                Assert.Empty(store.Content.List());
                Assert.Empty(store.Metadata.Snapshots());
                Assert.Empty(Directory.GetFiles(store.Content.IngestDir));
                Assert.Empty(Directory.GetDirectories(Path.Combine(Root, "snapshots")));
            }
            Assert.Contains("Images          0         0         0B", Quai("system", "df").Ok().Stdout);
            // and a retry succeeds
            var retry = Quai(args[2..]).Ok().Stdout.Trim();
            if (command == "load") Assert.Equal("Loaded image: steps:1", retry);
            else Assert.Matches("^sha256:[0-9a-f]{64}$", retry);
            using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
                StoreConsistency.Check(store);
            Quai("rmi", "steps:1").Ok();
        }
    }

    [RequiresFact("quai", "podman")]
    public void Quai_save_loads_in_podman_in_both_formats()
    {
        ImportBusybox("bb:topodman");
        Quai("save", "-o", File("docker.tar"), "bb:topodman").Ok();
        Quai("save", "--format", "oci-archive", "-o", File("oci.tar"), "bb:topodman").Ok();
        Assert.Contains("bb:topodman", Podman("load", "-i", File("docker.tar")).Ok().Stdout);
        Podman("rmi", "-a", "-f").Ok();
        Assert.Contains("bb:topodman", Podman("load", "-i", File("oci.tar")).Ok().Stdout);
        Assert.Contains("topodman", Podman("images", "--format", "{{.Repository}}:{{.Tag}}").Ok().Stdout);

        // Layers stored compressed (gzip, zstd) are saved as they are and podman still loads them.
        foreach (var compression in new[] { Oci.Image.Compression.Gzip, Oci.Image.Compression.Zstd })
        {
            var b = new ImageBuilder();
            var (m, _) = b.AddImage([Busybox.RootfsTar(), new TarBuilder().File("etc/motd", "hi").Bytes()], compression, arch: Oci.Image.Platform.Host().Architecture);
            var name = $"localhost/compressed:{compression.ToString().ToLowerInvariant()}";
            System.IO.File.WriteAllBytes(File("c.tar"), b.OciArchive((m, name)));
            Quai("load", "-i", File("c.tar")).Ok();
            Quai("save", "-o", File("c-saved.tar"), name).Ok();
            Assert.Contains(name, Podman("load", "-i", File("c-saved.tar")).Ok().Stdout);
        }
    }

    [RequiresFact("quai", "podman")]
    public void Podman_save_loads_in_quai()
    {
        ImportBusybox("bb:roundtrip");
        Quai("save", "-o", File("q.tar"), "bb:roundtrip").Ok();
        Podman("load", "-i", File("q.tar")).Ok();
        Podman("save", "-o", File("podman-docker.tar"), "docker.io/library/bb:roundtrip").Ok();
        Podman("save", "--format", "oci-archive", "-o", File("podman-oci.tar"), "docker.io/library/bb:roundtrip").Ok();
        Quai("rmi", "bb:roundtrip").Ok();
        Assert.Equal("Loaded image: bb:roundtrip", Quai("load", "-i", File("podman-docker.tar")).Ok().Stdout.Trim());
        Quai("rmi", "bb:roundtrip").Ok();
        Assert.Equal("Loaded image: bb:roundtrip", Quai("load", "-i", File("podman-oci.tar")).Ok().Stdout.Trim());
        // stdin works too.
        Quai("rmi", "bb:roundtrip").Ok();
        Tools.Run(Tools.Quai, ["--root", Root, "load"], stdin: System.IO.File.ReadAllBytes(File("podman-docker.tar"))).Ok();
        Assert.Contains("roundtrip", Quai("images").Ok().Stdout);
    }

    [RequiresFact("quai", "skopeo")]
    public void Skopeo_docker_archive_and_oci_layout_load()
    {
        ImportBusybox("bb:forskopeo");
        Quai("save", "--format", "oci-archive", "-o", File("src.tar"), "bb:forskopeo").Ok();
        Tools.Run("skopeo", ["copy", "-q", "oci-archive:" + File("src.tar"), "docker-archive:" + File("sk-docker.tar") + ":sk/docker:1"]).Ok();
        Tools.Run("skopeo", ["copy", "-q", "oci-archive:" + File("src.tar"), "oci:" + File("sk-layout") + ":sk-tag"]).Ok();
        Tools.Run("skopeo", ["copy", "-q", "--dest-compress", "--dest-compress-format", "zstd", "oci-archive:" + File("src.tar"), "oci-archive:" + File("sk-zstd.tar") + ":quay.io/sk/zstd:2"]).Ok();
        Assert.Equal("Loaded image: sk/docker:1", Quai("load", "-i", File("sk-docker.tar")).Ok().Stdout.Trim());
        Assert.StartsWith("Loaded image ID: sha256:", Quai("load", "-i", File("sk-layout")).Ok().Stdout.Trim());
        Assert.Equal("Loaded image: quay.io/sk/zstd:2", Quai("load", "-i", File("sk-zstd.tar")).Ok().Stdout.Trim());
        using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
        {
            // Same config, so the same image (ID = config digest) under one more name.
            Assert.Equal(store.Find("sk/docker:1").Id, store.Find("quay.io/sk/zstd:2").Id);
            StoreConsistency.Check(store);
        }
        // In a store of its own, the zstd variant is what gets recorded and unpacked.
        var zstdRoot = Path.Combine(_dir.Path, "zstd-store");
        Tools.Run(Tools.Quai, ["--root", zstdRoot, "load", "-i", File("sk-zstd.tar")]).Ok();
        using var zstore = ImageStore.Open(new ImageStoreOptions { Root = zstdRoot });
        Assert.Equal(Oci.Image.MediaTypes.OciLayerZstd, zstore.Resolve("quay.io/sk/zstd:2").Manifest.Layers[0].MediaType);
        StoreConsistency.Check(zstore);
    }

    [RequiresFact("quai", "umoci")]
    public void Umoci_built_image_loads()
    {
        var layout = File("umoci-layout");
        var bundle = File("umoci-bundle");
        Tools.Run("umoci", ["init", "--layout", layout]).Ok();
        Tools.Run("umoci", ["new", "--image", layout + ":u1"]).Ok();
        Tools.Run("umoci", ["unpack", "--image", layout + ":u1", bundle]).Ok();
        System.IO.File.WriteAllText(Path.Combine(bundle, "rootfs", "hello"), "from umoci");
        Directory.CreateDirectory(Path.Combine(bundle, "rootfs", "bin"));
        System.IO.File.Copy(Busybox.Path, Path.Combine(bundle, "rootfs", "bin", "busybox"));
        Tools.Run("umoci", ["repack", "--image", layout + ":u1", bundle]).Ok();
        Tools.Run("umoci", ["config", "--image", layout + ":u1", "--config.cmd", "/bin/busybox"]).Ok();
        var loaded = Quai("load", "-i", layout).Ok().Stdout.Trim();
        Assert.StartsWith("Loaded image ID: sha256:", loaded);
        var id = loaded["Loaded image ID: ".Length..];
        using var store = ImageStore.Open(new ImageStoreOptions { Root = Root });
        var img = store.Resolve(id);
        Assert.Equal(["/bin/busybox"], img.Config.Config!.Cmd!);
        var rootfs = store.PrepareRootfs("u", id);
        var hello = store.Snapshotter.WithWritableView("container-u", d => System.IO.File.ReadAllText(Path.Combine(d, "hello")));
        Assert.Equal("from umoci", hello);
    }
}
