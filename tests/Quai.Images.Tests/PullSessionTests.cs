using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>The store side of a registry pull: verified streaming ingest under one lease, the pipeline that unpacks
/// layers as they arrive, the commit, and what a failed or abandoned pull leaves (nothing).</summary>
public sealed class PullSessionTests : IDisposable
{
    private readonly TempStore _t = new();
    private ImageStore Store => _t.Store;

    public void Dispose() => _t.Dispose();

    private static byte[] L(string file, string content) => new TarBuilder().File(file, content).Bytes();

    /// <summary>An image whose blobs are in <see cref="ImageBuilder"/> but not in the store, with its parsed manifest and config.</summary>
    private sealed record Remote(ImageBuilder Builder, Descriptor Target, Manifest Manifest, ImageConfig Config, Dictionary<string, byte[]> Blobs)
    {
        public byte[] Bytes(Descriptor d) => Blobs[d.Digest];
    }

    private static Remote MakeRemote(IReadOnlyList<byte[]> layers, Func<ImageConfig, ImageConfig>? editConfig = null)
    {
        var b = new ImageBuilder();
        var blobs = new Dictionary<string, byte[]>();
        Descriptor Add(string mt, byte[] data) { var d = b.AddBlob(mt, data); blobs[d.Digest] = data; return d; }
        var config = new ImageConfig
        {
            Architecture = Platform.Host().Architecture, Os = "linux", Created = DateTimeOffset.UtcNow,
            Config = new ContainerConfig { Cmd = ["sh"] },
            RootFs = new RootFs { DiffIds = layers.Select(l => Digest.Compute(l).ToString()).ToList() },
        };
        if (editConfig is not null) config = editConfig(config);
        var manifest = new Manifest { MediaType = MediaTypes.OciManifest, Config = Add(MediaTypes.OciConfig, ImageJson.Serialize(config, ImageJsonContext.Default.ImageConfig)) };
        foreach (var l in layers) manifest.Layers.Add(Add(MediaTypes.OciLayerFor(Compression.Gzip), TarBuilder.Gzip(l)));
        var target = Add(MediaTypes.OciManifest, ImageJson.Serialize(manifest, ImageJsonContext.Default.Manifest));
        return new Remote(b, target, manifest, config, blobs);
    }

    /// <summary>Manifest and config into the session, as a pull does before the layers.</summary>
    private static LayerPipeline Begin(PullSession s, Remote r, Action<int, LayerEvent>? progress = null)
    {
        s.IngestJson(r.Bytes(r.Target), r.Target.ParsedDigest, "manifest");
        s.IngestJson(r.Bytes(r.Manifest.Config), r.Manifest.Config.ParsedDigest, "config");
        return s.UnpackAsBlobsArrive(r.Manifest, r.Config, progress);
    }

    private static void Ingest(PullSession s, Remote r, int i)
        => s.IngestBlob(new MemoryStream(r.Bytes(r.Manifest.Layers[i])), r.Manifest.Layers[i], $"layer {i}");

    private sealed class Events
    {
        private readonly List<(int, LayerEvent)> _list = [];
        private readonly Dictionary<(int, LayerEvent), ManualResetEventSlim> _seen = [];
        public void On(int i, LayerEvent e)
        {
            lock (_list) { _list.Add((i, e)); Signal((i, e)).Set(); }
        }
        private ManualResetEventSlim Signal((int, LayerEvent) k) { lock (_seen) return _seen.TryGetValue(k, out var m) ? m : _seen[k] = new(); }
        /// <summary>Waits for an event (bounded, so a broken pipeline fails the test instead of hanging it).</summary>
        public void WaitFor(int i, LayerEvent e) => Assert.True(Signal((i, e)).Wait(TimeSpan.FromMinutes(2)), $"no {e} for layer {i}: saw {string.Join(", ", All)}");
        public List<(int, LayerEvent)> All { get { lock (_list) return [.. _list]; } }
    }

    private void AssertOnly(params string[] keep) => StoreConsistency.Only(Store, keep);

    [Fact]
    public void A_tampered_blob_is_refused_while_streaming_and_nothing_of_it_is_stored()
    {
        var r = MakeRemote([L("a", "one"), L("b", "two")]);
        var layer = r.Manifest.Layers[1];
        var good = r.Bytes(layer);
        var tampered = (byte[])good.Clone();
        tampered[^5] ^= 0x55;
        using (var s = Store.BeginPull())
        {
            var e = Assert.Throws<InvalidDataException>(() => s.IngestBlob(new MemoryStream(tampered), layer, $"layer {layer.Digest}"));
            Assert.Contains($"layer {layer.Digest}: digest mismatch: expected {layer.Digest}", e.Message);
            e = Assert.Throws<InvalidDataException>(() => s.IngestBlob(new MemoryStream(good[..^1]), layer, "short layer"));
            Assert.Contains("short layer: size mismatch", e.Message);
            e = Assert.Throws<InvalidDataException>(() => s.IngestBlob(new MemoryStream([.. good, 0]), layer, "long layer"));
            Assert.Contains("long layer: content is larger than", e.Message);
            e = Assert.Throws<InvalidDataException>(() => s.IngestJson("{}"u8.ToArray(), r.Target.ParsedDigest, "manifest for app:1"));
            Assert.Contains("manifest for app:1: digest mismatch", e.Message);
            Assert.Empty(Store.Content.List());
            Assert.Empty(Directory.EnumerateFiles(Store.Content.IngestDir));

            s.IngestBlob(new MemoryStream(good), layer, "layer");
            Assert.True(Store.Content.Exists(layer.ParsedDigest));
            Assert.True(s.HasBlob(layer.ParsedDigest));
            Assert.False(s.HasBlob(r.Manifest.Layers[0].ParsedDigest));
        }
        // never committed: what only the session held is gone
        AssertOnly();
        Assert.Empty(Store.Content.List());
    }

    [Fact]
    public void Layers_are_unpacked_in_order_as_they_arrive_while_later_ones_are_still_downloading()
    {
        var layers = Enumerable.Range(0, 6).Select(i => new TarBuilder().Dir("d/").File($"d/f{i}", $"layer {i}\n").Bytes()).ToList();
        layers[5] = new TarBuilder().File("d/.wh.f0", "").Bytes();
        var r = MakeRemote(layers);
        var events = new Events();
        using var s = Store.BeginPull();
        var pipeline = Begin(s, r, events.On);
        Ingest(s, r, 0);
        pipeline.Arrived(0);
        // layer 0 is unpacked before any other layer is in the store
        events.WaitFor(0, LayerEvent.Complete);
        Assert.All(r.Manifest.Layers.Skip(1), l => Assert.False(Store.Content.Exists(l.ParsedDigest)));
        // the rest land from several threads, last first
        Parallel.For(1, 6, new ParallelOptions { MaxDegreeOfParallelism = 4 }, j =>
        {
            var i = 6 - j;
            Ingest(s, r, i);
            pipeline.Arrived(i);
        });
        pipeline.Complete();
        // each layer once, extracted before it completes (later ones may be extracted while earlier ones are), completed in order
        var all = events.All.ToList();
        Assert.Equal(12, all.Count);
        Assert.Equal(Enumerable.Range(0, 6), all.Where(e => e.Item2 == LayerEvent.Complete).Select(e => e.Item1));
        Assert.All(Enumerable.Range(0, 6), i => Assert.True(all.IndexOf((i, LayerEvent.Extracting)) is >= 0 and var x && x < all.IndexOf((i, LayerEvent.Complete))));
        Assert.NotNull(pipeline.Result.TopChain);

        var before = Store.Metadata.Snapshots().Select(x => (x.Id, x.Key)).ToList();
        var rec = s.Commit(r.Target, [Reference.Parse("127.0.0.1:5000/app:1")], null, $"127.0.0.1:5000/app@{r.Target.Digest}");
        // the commit found the pipeline's snapshots: nothing unpacked again
        Assert.Equal(before, Store.Metadata.Snapshots().Select(x => (x.Id, x.Key)).ToList());
        Assert.Equal(pipeline.Result.TopChain!.Value.ToString(), rec.TopChain);
        Assert.Equal(r.Manifest.Config.Digest, rec.Id);

        Store.PrepareRootfs("c", "127.0.0.1:5000/app:1");
        var files = Store.Snapshotter.WithWritableView("container-c", d => Directory.GetFiles(Path.Combine(d, "d")).Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Equal(["f1", "f2", "f3", "f4"], files);
        Store.ReleaseRootfs("c");
    }

    [Fact]
    public void Layers_already_unpacked_are_reported_as_existing_and_their_blobs_not_fetched()
    {
        var shared = new[] { L("base", "0"), L("mid", "1") };
        var b = new ImageBuilder();
        var (m, config) = b.AddImage(shared);
        Store.Load(new MemoryStream(b.OciArchive((m, "example.com/base:1"))));
        var baseSnapshots = Store.Metadata.Snapshots().Select(x => (x.Id, x.Key)).ToList();

        var r = MakeRemote([.. shared, L("top", "2")]);
        var events = new Events();
        var fetched = new List<int>();
        using (var s = Store.BeginPull())
        {
            var pipeline = Begin(s, r, events.On);
            for (int i = 0; i < 3; i++)
            {
                if (!s.HasBlob(r.Manifest.Layers[i].ParsedDigest)) { Ingest(s, r, i); fetched.Add(i); }
                pipeline.Arrived(i);
            }
            pipeline.Complete();
            s.Commit(r.Target, [Reference.Parse("example.com/app:1")], null, null);
        }
        Assert.Equal([2], fetched);
        Assert.Equal([(0, LayerEvent.AlreadyExists), (1, LayerEvent.AlreadyExists), (2, LayerEvent.Extracting), (2, LayerEvent.Complete)], events.All);
        Assert.All(baseSnapshots, x => Assert.Contains(x, Store.Metadata.Snapshots().Select(y => (y.Id, y.Key))));
        Assert.Equal(3, Store.LayerSizes(Store.Find("example.com/app:1")).Count);
        AssertOnly(config.ToString(), r.Manifest.Config.Digest);
    }

    [Fact]
    public void A_layer_that_is_not_its_diff_id_fails_the_pipeline_and_the_pull_leaves_nothing()
    {
        var b = new ImageBuilder();
        var (m, keep) = b.AddImage([L("keep", "k")]);
        Store.Load(new MemoryStream(b.OciArchive((m, "example.com/keep:1"))));
        var r = MakeRemote([L("a", "1"), L("b", "2"), L("c", "3")],
            c => { c.RootFs.DiffIds[1] = Digest.Compute("not layer b"u8).ToString(); return c; });
        using (var s = Store.BeginPull())
        {
            var pipeline = Begin(s, r);
            for (int i = 0; i < 3; i++) { Ingest(s, r, i); pipeline.Arrived(i); }
            var e = Assert.Throws<InvalidDataException>(pipeline.Complete);
            Assert.Contains($"layer {r.Manifest.Layers[1].Digest}: uncompressed content is {Digest.Compute(L("b", "2"))}", e.Message);
            // the commit will not record an image whose pipeline failed
            Assert.Throws<InvalidDataException>(() => s.Commit(r.Target, [Reference.Parse("example.com/app:1")], null, null));
        }
        AssertOnly(keep.ToString());
        Assert.Null(Store.TryFind("example.com/app:1"));
    }

    [Fact]
    public void Abandoning_a_pull_midway_stops_its_pipeline_and_collects_everything()
    {
        var r = MakeRemote([L("a", "1"), L("b", "2"), L("c", "3")]);
        var events = new Events();
        using (var s = Store.BeginPull())
        {
            var pipeline = Begin(s, r, events.On);
            Ingest(s, r, 0);
            pipeline.Arrived(0);
            Ingest(s, r, 2);
            pipeline.Arrived(2);
            events.WaitFor(0, LayerEvent.Complete);
            // layer 1's download "failed": the engine disposes the session
        }
        Assert.DoesNotContain((1, LayerEvent.Extracting), events.All);
        AssertOnly();
        Assert.Empty(Store.Content.List());
        Assert.Empty(Store.Metadata.Snapshots());
    }

    [Fact]
    public void Complete_names_a_layer_that_never_arrived()
    {
        var r = MakeRemote([L("a", "1"), L("b", "2")]);
        using (var s = Store.BeginPull())
        {
            var pipeline = Begin(s, r);
            Ingest(s, r, 0);
            pipeline.Arrived(0);
            var e = Assert.Throws<InvalidDataException>(pipeline.Complete);
            Assert.Equal($"layer 1 ({r.Manifest.Layers[1].Digest}): its blob is not in the store", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Arrived(2));
        }
        AssertOnly();
    }

    [Fact]
    public void Many_pulls_of_one_image_in_parallel_all_succeed_and_leave_one_image()
    {
        var r = MakeRemote(Enumerable.Range(0, 4).Select(i => L($"f{i}", new string('x', 1000 * i))).ToList());
        var ids = new string[4];
        Parallel.For(0, 4, k =>
        {
            using var s = Store.BeginPull();
            var pipeline = Begin(s, r);
            Parallel.For(0, 4, i => { if (!s.HasBlob(r.Manifest.Layers[i].ParsedDigest)) Ingest(s, r, i); pipeline.Arrived(i); });
            ids[k] = s.Commit(r.Target, [Reference.Parse($"example.com/app:{k}")], null, $"example.com/app@{r.Target.Digest}").Id;
        });
        Assert.Single(ids.Distinct());
        Assert.Equal(4, Store.Metadata.TagsOf(ids[0]).Count);
        AssertOnly(ids[0]);
    }
}
