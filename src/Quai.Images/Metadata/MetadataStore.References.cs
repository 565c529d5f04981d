using Microsoft.Data.Sqlite;

namespace Quai.Images.Metadata;

/// <summary>Repo digests (<c>127.0.0.1:5000/app@sha256:…</c>, fully qualified: what an image was pulled or pushed
/// as; a row goes with its image) and blob sources (the registry repositories a blob is known to be in, for
/// cross-repository mounts on push; rows go with the blob when GC removes it).</summary>
public sealed partial class MetadataStore
{
    /// <summary>Points a repo digest at an image (a digest names one manifest, so it moves when re-pulled as another image).</summary>
    public void SetRepoDigest(string name, string imageId, SqliteTransaction tx)
        => Exec("INSERT INTO repo_digests(name, image_id) VALUES($n,$i) ON CONFLICT(name) DO UPDATE SET image_id=excluded.image_id", tx, ("$n", name), ("$i", imageId));

    public bool DeleteRepoDigest(string name, SqliteTransaction tx) => Exec("DELETE FROM repo_digests WHERE name=$n", tx, ("$n", name)) > 0;

    public string? RepoDigestTarget(string name, SqliteTransaction? tx = null) => Scalar("SELECT image_id FROM repo_digests WHERE name=$n", tx, ("$n", name)) as string;

    public List<string> RepoDigestsOf(string imageId, SqliteTransaction? tx = null)
        => Query("SELECT name FROM repo_digests WHERE image_id=$i ORDER BY name", r => r.GetString(0), tx, ("$i", imageId));

    public List<(string Name, string ImageId)> AllRepoDigests(SqliteTransaction? tx = null)
        => Query("SELECT name, image_id FROM repo_digests ORDER BY name", r => (r.GetString(0), r.GetString(1)), tx);

    public void AddBlobSource(string digest, string domain, string path, SqliteTransaction tx)
        => Exec("INSERT OR IGNORE INTO blob_sources(digest, domain, path) VALUES($d,$h,$p)", tx, ("$d", digest), ("$h", domain), ("$p", path));

    public List<(string Domain, string Path)> BlobSourcesOf(string digest, SqliteTransaction? tx = null)
        => Query("SELECT domain, path FROM blob_sources WHERE digest=$d ORDER BY domain, path", r => (r.GetString(0), r.GetString(1)), tx, ("$d", digest));

    public List<string> BlobsWithSources(SqliteTransaction tx) => Query("SELECT DISTINCT digest FROM blob_sources", r => r.GetString(0), tx);

    public void DeleteBlobSources(string digest, SqliteTransaction tx) => Exec("DELETE FROM blob_sources WHERE digest=$d", tx, ("$d", digest));
}
