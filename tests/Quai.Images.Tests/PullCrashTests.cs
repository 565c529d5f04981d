using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>A pull SIGKILLed at each step (QUAI_FAULT crash points, in a child process running
/// <see cref="PullHost"/>): before its commit, the next store open collects everything it had stored under its
/// lease (blobs, snapshots, half-written ingests), with no mount left; after it, the image is whole. Either way the
/// same pull then succeeds and an rmi leaves only what was there before.</summary>
public sealed class PullCrashTests : IDisposable
{
    private readonly TempDir _dir = new("quai-pullkill");
    private string Root => Path.Combine(_dir.Path, "store");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private ImageStore Open() => ImageStore.Open(new ImageStoreOptions { Root = Root });

    /// <summary>Runs <c>pull-host</c> in a child process (this assembly's Main) with <paramref name="point"/> armed.</summary>
    private Tools.Result PullKilledAt(string point, string layout, string name)
    {
        var dll = typeof(PullHost).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return Tools.Run(dotnet, ["exec", dll, "pull-host", Root, layout, name], new Dictionary<string, string> { ["QUAI_FAULT"] = point }, timeoutSeconds: 120);
    }

    [Theory]
    [InlineData("images.ingest.writing")]
    [InlineData("images.pull.ingested")]
    [InlineData("images.pull.unpacking")]
    [InlineData("images.unpack.mounted")]
    [InlineData("images.unpack.committed")]
    [InlineData("images.pull.registered")]
    public void A_pull_killed_at_any_point_leaves_nothing_the_next_open_does_not_collect(string point)
    {
        string keep;
        using (var store = Open())
        {
            var kb = new ImageBuilder();
            var (km, kc) = kb.AddImage([new TarBuilder().File("keep", "kept\n").Bytes()]);
            store.Load(new MemoryStream(kb.OciArchive((km, "example.com/keep:1"))));
            keep = kc.ToString();
        }
        var b = new ImageBuilder();
        var (m, config) = b.AddImage([Busybox.RootfsTar(), new TarBuilder().Dir("srv/").File("srv/a", "a\n").Bytes(), new TarBuilder().File("srv/.wh.a", "").Bytes()]);
        var layout = b.WriteLayout(Path.Combine(_dir.Path, "layout"), m);
        const string name = "127.0.0.1:5000/app:1";
        var repoDigest = $"127.0.0.1:5000/app@{m.Digest}";

        var killed = PullKilledAt(point, layout, name);
        Assert.True(killed.ExitCode == 137, $"{point}: not killed: {killed}");

        using (var store = Open()) // collects the dead lease
        {
            if (point == "images.pull.registered")
            {
                StoreConsistency.Only(store, keep, config.ToString());
                Assert.Equal(config.ToString(), store.Find(name).Id);
                Assert.Equal([repoDigest], store.RepoDigests(config.ToString()));
            }
            else
            {
                StoreConsistency.Only(store, keep);
                Assert.Null(store.TryFind(name));
                Assert.Empty(store.RepoDigests(config.ToString()));
            }

            // the same pull again, not killed, and its removal
            var rec = PullHost.Pull(store, layout, Reference.Parse(name));
            StoreConsistency.Only(store, keep, rec.Id);
            var top = store.Metadata.Snapshot(rec.TopChain!)!;
            var busybox = Path.Combine(Root, "snapshots", store.Metadata.SnapshotChain(top.Key).Last().Id.ToString(), "fs", "bin", "busybox");
            Assert.Equal(new FileInfo(Busybox.Path).Length, new FileInfo(busybox).Length);
            store.Remove(name);
            StoreConsistency.Only(store, keep);
            Assert.Equal("kept\n", File.ReadAllText(Path.Combine(Root, "snapshots", store.Metadata.Snapshot(store.Find("example.com/keep:1").TopChain!)!.Id.ToString(), "fs", "keep")));
        }
    }

    [Fact]
    public void The_pull_host_pulls_when_nothing_is_armed()
    {
        var b = new ImageBuilder();
        var (m, config) = b.AddImage([new TarBuilder().File("x", "x").Bytes()]);
        var layout = b.WriteLayout(Path.Combine(_dir.Path, "layout"), m);
        var done = PullKilledAt("none", layout, "app:1").Ok();
        Assert.Equal(config.ToString(), done.Stdout.Trim());
        using var store = Open();
        StoreConsistency.Only(store, config.ToString());
    }
}
