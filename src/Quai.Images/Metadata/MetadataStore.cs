using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Quai.Images.Metadata;

/// <summary>Image metadata in SQLite (WAL mode): images, tags, repo digests, which blobs each image holds, where
/// blobs came from, snapshots and leases. Several quai processes may open the same database; every write is a short
/// <c>BEGIN IMMEDIATE</c> transaction and readers never block writers.</summary>
public sealed partial class MetadataStore : IDisposable
{
    public const int SchemaVersion = 3;
    private readonly SqliteConnection _db;
    // One connection, shared by the threads of this process: a write transaction holds the lock for its whole
    // duration (Monitor is re-entrant, so its own statements pass); other processes are serialised by SQLite.
    private readonly Lock _lock = new();
    public string Path { get; }

    public MetadataStore(string path)
    {
        Path = path;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 120,
        }.ToString());
        try
        {
            _db.Open();
            // before WAL mode: SQLite gives the -wal and -shm files the database file's permissions
            foreach (var f in new[] { path, path + "-wal", path + "-shm" }) Quai.Fs.PrivateStore.Restrict(f);
            Exec("PRAGMA busy_timeout=60000");
            Exec("PRAGMA journal_mode=WAL");
            Exec("PRAGMA synchronous=NORMAL");
            Exec("PRAGMA foreign_keys=ON");
            Migrate();
        }
        catch (SqliteException e)
        {
            _db.Dispose();
            throw new IOException($"open image metadata database {path}: {Describe(e)}", e);
        }
    }

    /// <summary>SQLite says "disk I/O error" (10) or "database or disk is full" (13) when the file
    /// system is full: say what the user can act on.</summary>
    private string Describe(SqliteException e)
    {
        if (e.SqliteErrorCode is 10 or 13)
            try
            {
                if (new DriveInfo(System.IO.Path.GetDirectoryName(Path)!).AvailableFreeSpace < 64 * 1024) return "no space left on device";
            }
            catch (Exception x) when (x is IOException or ArgumentException or UnauthorizedAccessException) { }
        return e.Message;
    }

    private void Migrate()
    {
        // Read first: commands that only read must not queue behind a writer to learn the schema is current.
        if (Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture) == SchemaVersion) return;
        using var tx = _db.BeginTransaction(deferred: false); // two processes upgrading: the second waits, then sees it done
        var version = Convert.ToInt32(Scalar("PRAGMA user_version", tx), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
            throw new IOException($"image metadata database {Path} has schema {version}, newer than this quai understands ({SchemaVersion})");
        if (version < 1)
        {
            Exec("""
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
                """, tx);
        }
        if (version < 2)
        {
            // 2: images a build made for its steps (hidden by `images`), recorded with the image
            Exec("ALTER TABLE images ADD COLUMN build_step INTEGER NOT NULL DEFAULT 0; PRAGMA user_version=2;", tx);
        }
        if (version < 3)
        {
            // 3: the digests images were pulled or pushed as (Docker's RepoDigests), going with their image; and where
            // blobs came from (registry domain and repository path), for cross-repository mounts, going with the blob at GC
            Exec("""
                CREATE TABLE repo_digests(name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
                CREATE INDEX repo_digests_image ON repo_digests(image_id);
                CREATE TABLE blob_sources(digest TEXT NOT NULL, domain TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY(digest, domain, path));
                PRAGMA user_version=3;
                """, tx);
        }
        tx.Commit();
    }

    /// <summary>Runs <paramref name="body"/> in one IMMEDIATE (write-locked) transaction.</summary>
    public T Write<T>(Func<SqliteTransaction, T> body)
    {
        lock (_lock)
        {
            try
            {
                using var tx = _db.BeginTransaction(deferred: false);
                var result = body(tx);
                tx.Commit();
                return result;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 10 or 13 && Describe(e) is var why && why != e.Message)
            {
                throw new IOException($"write image metadata database {Path}: {why}", e);
            }
        }
    }

    public void Write(Action<SqliteTransaction> body) => Write(tx => { body(tx); return 0; });

    public int Exec(string sql, SqliteTransaction? tx = null, params (string, object?)[] args)
    {
        lock (_lock)
        {
            using var cmd = Command(sql, tx, args);
            return cmd.ExecuteNonQuery();
        }
    }

    public object? Scalar(string sql, SqliteTransaction? tx = null, params (string, object?)[] args)
    {
        lock (_lock)
        {
            using var cmd = Command(sql, tx, args);
            return cmd.ExecuteScalar();
        }
    }

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, SqliteTransaction? tx = null, params (string, object?)[] args)
    {
        lock (_lock)
        {
            using var cmd = Command(sql, tx, args);
            using var r = cmd.ExecuteReader();
            var list = new List<T>();
            while (r.Read()) list.Add(map(r));
            return list;
        }
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx, (string, object?)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
    public static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public void Dispose() => _db.Dispose();
}
