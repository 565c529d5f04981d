using Microsoft.Data.Sqlite;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>RepoDigests (what an image was pulled or pushed as) through their whole life, blob sources, and the
/// migration of stores made by earlier schemas.</summary>
public sealed class RepoDigestTests : IDisposable
{
    private readonly TempStore _t = new();
    private ImageStore Store => _t.Store;

    public void Dispose() => _t.Dispose();

    private static byte[] L(string file, string content) => new TarBuilder().File(file, content).Bytes();

    /// <summary>Pulls a fresh one-layer image through a session; returns its record and manifest digest.</summary>
    private (Metadata.ImageRecord Image, Digest Manifest) Pull(string content, string? tag, string repo)
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([L("f", content)]);
        var layout = b.WriteLayout(_t.Dir.Sub("layout-" + Guid.NewGuid().ToString("N")), m);
        var rec = PullHost.Pull(Store, layout, Reference.Parse(tag ?? repo), tagged: tag is not null);
        return (rec, m.ParsedDigest);
    }

    [Fact]
    public void A_pulled_image_is_found_by_its_repo_digest_and_rmi_follows_Docker()
    {
        var (img, md) = Pull("one", "127.0.0.1:5000/app:1", "127.0.0.1:5000/app");
        var repoDigest = $"127.0.0.1:5000/app@{md}";
        Assert.Equal([repoDigest], Store.RepoDigests(img.Id));
        Assert.Equal(img.Id, Store.Find(repoDigest).Id);
        Assert.Equal(img.Id, Store.Resolve(repoDigest).Id);

        // the repository's last tag goes: its digests go with it, the image stays for its other name
        Store.Tag(img.Id, "other/app:2");
        var r = Store.Remove("127.0.0.1:5000/app:1");
        Assert.Equal(["127.0.0.1:5000/app:1", repoDigest], r.Untagged);
        Assert.Empty(r.Deleted);
        Assert.Empty(Store.RepoDigests(img.Id));

        // a digest in another repository is removed alone, Docker's familiar form in the message
        Store.AddRepoDigest(img.Id, $"busybox@{md}");
        Assert.Equal([$"docker.io/library/busybox@{md}"], Store.RepoDigests(img.Id));
        Assert.Equal(img.Id, Store.Find($"docker.io/library/busybox@{md}").Id);
        r = Store.Remove($"busybox@{md}");
        Assert.Equal([$"busybox@{md}"], r.Untagged);
        Assert.Empty(r.Deleted);

        // by ID: one tag and digests of its own repository are one reference, removed without force
        Store.AddRepoDigest(img.Id, $"other/app@{md}");
        r = Store.Remove(img.Id);
        Assert.Equal(["other/app:2", $"other/app@{md}"], r.Untagged);
        Assert.Equal([img.Id], r.Deleted);
        Assert.Empty(Store.Metadata.AllRepoDigests());
        Assert.Empty(Store.Content.List());
    }

    [Fact]
    public void An_image_pulled_by_digest_only_is_not_dangling_and_goes_with_its_digest()
    {
        var (img, md) = Pull("two", null, "127.0.0.1:5000/app");
        var repoDigest = $"127.0.0.1:5000/app@{md}";
        Assert.Empty(Store.Metadata.TagsOf(img.Id));
        Assert.Equal([repoDigest], Store.RepoDigests(img.Id));
        Assert.Empty(Store.Prune(all: false).Deleted);
        Assert.NotNull(Store.TryFind(repoDigest));

        // tag in one repository, digest in another: deleting by ID needs force
        Store.Tag(img.Id, "x/y:1");
        var e = Assert.Throws<ImageConflictException>(() => Store.Remove(img.Id));
        Assert.Contains("image is referenced in multiple repositories", e.Message);
        Store.Remove("x/y:1");
        Assert.Equal([repoDigest], Store.RepoDigests(img.Id));

        var r = Store.Remove(repoDigest);
        Assert.Equal([repoDigest], r.Untagged);
        Assert.Equal([img.Id], r.Deleted);
        Assert.Empty(Store.Metadata.Images());
        Assert.Empty(Store.Content.List());
        Assert.Empty(Store.Metadata.Snapshots());
    }

    [Fact]
    public void A_repo_digest_is_refused_with_a_tag_or_for_an_unknown_image_and_goes_with_its_image()
    {
        var (img, md) = Pull("three", "app:1", "app");
        Assert.Throws<FormatException>(() => Store.AddRepoDigest(img.Id, "app:1"));
        Assert.Throws<FormatException>(() => Store.AddRepoDigest(img.Id, $"app:1@{md}"));
        Assert.Throws<ImageNotFoundException>(() => Store.AddRepoDigest("sha256:" + new string('0', 64), $"app@{md}"));
        Store.AddRepoDigest(img.Id, $"localhost:5000/app@{md}");
        Assert.Equal([$"docker.io/library/app@{md}", $"localhost:5000/app@{md}"], Store.RepoDigests(img.Id));
        // forced removal by ID takes every reference; the rows go with the image
        Assert.Equal([img.Id], Store.Remove(img.Id, force: true).Deleted);
        Assert.Empty(Store.Metadata.AllRepoDigests());
        // prune -a too
        var (_, md2) = Pull("three", "app:1", "app");
        var pruned = Store.Prune(all: true);
        Assert.Equal(["app:1", $"app@{md2}"], pruned.Untagged);
        Assert.Empty(Store.Metadata.AllRepoDigests());
        Assert.Empty(Store.Metadata.Images());
    }

    [Fact]
    public void Blob_sources_are_recorded_once_each_and_go_with_their_blob()
    {
        var (a, _) = Pull("a", "a:1", "a");
        var (b, _) = Pull("b", "b:1", "b");
        var layerA = Store.Describe(a).Manifest.Layers[0].ParsedDigest;
        var layerB = Store.Describe(b).Manifest.Layers[0].ParsedDigest;
        Store.RecordBlobSource(layerA, "127.0.0.1:5000", "team/a");
        Store.RecordBlobSource(layerA, "127.0.0.1:5000", "team/a");
        Store.RecordBlobSource(layerA, "docker.io", "library/a");
        Store.RecordBlobSource(layerB, "127.0.0.1:5000", "team/b");
        Assert.Equal([("127.0.0.1:5000", "team/a"), ("docker.io", "library/a")], Store.BlobSources(layerA));
        Assert.Throws<ArgumentException>(() => Store.RecordBlobSource(layerA, "", "x"));

        Store.Remove("a:1");
        Assert.Empty(Store.BlobSources(layerA));
        Assert.Equal([("127.0.0.1:5000", "team/b")], Store.BlobSources(layerB));
        Assert.Empty(Store.BlobSources(Digest.Compute("never stored"u8)));
    }

    // The schemas earlier quai versions created, as they created them (MetadataStore's migrations 1 and 2).
    private const string Schema1 = """
        CREATE TABLE images(
          id TEXT PRIMARY KEY, target_digest TEXT NOT NULL, target_media_type TEXT NOT NULL, target_size INTEGER NOT NULL,
          manifest_digest TEXT NOT NULL, config_digest TEXT NOT NULL, top_chain TEXT,
          created TEXT, size INTEGER NOT NULL, added TEXT NOT NULL, platform TEXT NOT NULL);
        CREATE TABLE tags(name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
        CREATE INDEX tags_image ON tags(image_id);
        CREATE TABLE image_blobs(image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, digest TEXT NOT NULL,
          PRIMARY KEY(image_id, digest));
        CREATE INDEX image_blobs_digest ON image_blobs(digest);
        CREATE TABLE snapshots(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, parent TEXT,
          kind TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0, image_id TEXT, created TEXT NOT NULL);
        CREATE INDEX snapshots_parent ON snapshots(parent);
        CREATE TABLE leases(id TEXT PRIMARY KEY, owner TEXT NOT NULL, created TEXT NOT NULL);
        CREATE TABLE lease_refs(lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE, kind TEXT NOT NULL,
          ref TEXT NOT NULL, PRIMARY KEY(lease_id, kind, ref));
        CREATE INDEX lease_refs_ref ON lease_refs(kind, ref);
        PRAGMA user_version=1;
        """;
    private const string Schema2 = "ALTER TABLE images ADD COLUMN build_step INTEGER NOT NULL DEFAULT 0; PRAGMA user_version=2;";

    private static void Sql(string db, string sql)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long Version(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False;Mode=ReadOnly");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        return (long)cmd.ExecuteScalar()!;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_store_of_an_earlier_schema_is_migrated_keeping_its_images(int schema)
    {
        using var dir = new TempDir("quai-migrate");
        var root = dir.Sub("root");
        var db = Path.Combine(root, "quai.db");
        var id = "sha256:" + new string('a', 64);
        Sql(db, Schema1 + (schema >= 2 ? Schema2 : ""));
        Sql(db, $"""
            INSERT INTO images VALUES('{id}', 'sha256:{new string('b', 64)}', '{MediaTypes.OciManifest}', 100, 'sha256:{new string('b', 64)}',
              '{id}', NULL, '2024-01-02T03:04:05.0000000Z', 0, '2024-01-02T03:04:05.0000000Z', 'linux/amd64'{(schema >= 2 ? ", 1" : "")});
            INSERT INTO tags VALUES('docker.io/library/old:1', '{id}');
            """);
        Assert.Equal(schema, Version(db));

        using (var store = ImageStore.Open(new ImageStoreOptions { Root = root, Snapshotter = "native" }))
        {
            Assert.Equal(Metadata.MetadataStore.SchemaVersion, (int)Version(db));
            var img = store.Metadata.Image(id);
            Assert.NotNull(img);
            Assert.Equal(schema >= 2, img.BuildStep);
            Assert.Equal(["docker.io/library/old:1"], store.Metadata.TagsOf(id));
            Assert.Empty(store.RepoDigests(id));
            store.AddRepoDigest(id, $"old@sha256:{new string('b', 64)}");
            store.RecordBlobSource(Digest.Parse(id), "docker.io", "library/old");
            Assert.Equal(id, store.Find($"old@sha256:{new string('b', 64)}").Id);
        }
        // opened again: current, nothing migrated twice, the rows are there
        using (var store = ImageStore.Open(new ImageStoreOptions { Root = root }))
        {
            Assert.Equal([$"docker.io/library/old@sha256:{new string('b', 64)}"], store.RepoDigests(id));
            Assert.Equal([("docker.io", "library/old")], store.BlobSources(Digest.Parse(id)));
        }
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void A_store_of_a_newer_schema_is_refused_naming_it()
    {
        using var dir = new TempDir("quai-migrate");
        var root = dir.Sub("root");
        var db = Path.Combine(root, "quai.db");
        Sql(db, Schema1 + Schema2 + "PRAGMA user_version=99;");
        var e = Assert.Throws<IOException>(() => ImageStore.Open(new ImageStoreOptions { Root = root, Snapshotter = "native" }));
        Assert.Contains($"image metadata database {db} has schema 99, newer than this quai understands ({Metadata.MetadataStore.SchemaVersion})", e.Message);
        SqliteConnection.ClearAllPools();
    }
}
