using Microsoft.Data.Sqlite;

namespace Quai.Images.Metadata;

public sealed partial class MetadataStore
{
    private const string SnapshotColumns = "id, key, parent, kind, size, image_id, created";

    private static SnapshotRecord ReadSnapshot(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
        r.GetString(3) == "committed" ? SnapshotKind.Committed : SnapshotKind.Active,
        r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), ParseTime(r.GetString(6)));

    public SnapshotRecord? Snapshot(string key, SqliteTransaction? tx = null)
        => Query($"SELECT {SnapshotColumns} FROM snapshots WHERE key=$k", ReadSnapshot, tx, ("$k", key)).FirstOrDefault();

    public List<SnapshotRecord> Snapshots(SqliteTransaction? tx = null) => Query($"SELECT {SnapshotColumns} FROM snapshots ORDER BY id", ReadSnapshot, tx);

    public SnapshotRecord AddSnapshot(string key, string? parent, SnapshotKind kind, string? imageId, SqliteTransaction tx)
    {
        Exec("INSERT INTO snapshots(key, parent, kind, size, image_id, created) VALUES($k,$p,$kind,0,$img,$c)", tx,
            ("$k", key), ("$p", parent), ("$kind", kind == SnapshotKind.Committed ? "committed" : "active"), ("$img", imageId), ("$c", Time(DateTimeOffset.UtcNow)));
        return Snapshot(key, tx)!;
    }

    public void CommitSnapshot(string activeKey, string name, long size, SqliteTransaction tx)
        => Exec("UPDATE snapshots SET key=$n, kind='committed', size=$s, image_id=NULL WHERE key=$k", tx, ("$n", name), ("$s", size), ("$k", activeKey));

    public void DeleteSnapshot(string key, SqliteTransaction tx) => Exec("DELETE FROM snapshots WHERE key=$k", tx, ("$k", key));

    /// <summary>The chain from <paramref name="key"/> down to the base layer (key first).</summary>
    public List<SnapshotRecord> SnapshotChain(string key, SqliteTransaction? tx = null)
    {
        var chain = new List<SnapshotRecord>();
        string? k = key;
        while (k is not null)
        {
            var s = Snapshot(k, tx) ?? throw new InvalidDataException($"snapshot {k} is missing from the metadata (chain of {key})");
            chain.Add(s);
            k = s.Parent;
        }
        return chain;
    }
}
