using Microsoft.Data.Sqlite;

namespace Quai.Images.Metadata;

/// <summary>Leases: a running command holds blobs and snapshots it is about to reference so that GC in
/// another process cannot remove them. A lease belongs to a process (pid + start time); a lease whose
/// process is gone is expired and collected.</summary>
public sealed partial class MetadataStore
{
    public static string CurrentOwner { get; } = OwnerOf(Environment.ProcessId) ?? $"{Environment.ProcessId}:0";

    /// <summary>"pid:starttime" from /proc, so a reused pid is not mistaken for the lease owner.</summary>
    public static string? OwnerOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return $"{pid}:{fields[19]}";
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static bool OwnerAlive(string owner)
    {
        var pid = int.Parse(owner[..owner.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture);
        return OwnerOf(pid) == owner;
    }

    public string CreateLease(SqliteTransaction tx)
    {
        var id = Guid.NewGuid().ToString("N");
        Exec("INSERT INTO leases(id, owner, created) VALUES($i,$o,$c)", tx, ("$i", id), ("$o", CurrentOwner), ("$c", Time(DateTimeOffset.UtcNow)));
        return id;
    }

    public void AddLeaseRef(string leaseId, string kind, string reference, SqliteTransaction tx)
        => Exec("INSERT OR IGNORE INTO lease_refs(lease_id, kind, ref) VALUES($l,$k,$r)", tx, ("$l", leaseId), ("$k", kind), ("$r", reference));

    public void DeleteLease(string leaseId, SqliteTransaction tx) => Exec("DELETE FROM leases WHERE id=$i", tx, ("$i", leaseId));

    /// <summary>Deletes leases whose owner process is gone; returns how many.</summary>
    public int ExpireDeadLeases(SqliteTransaction tx)
    {
        var dead = Query("SELECT id, owner FROM leases", r => (r.GetString(0), r.GetString(1)), tx).Where(l => !OwnerAlive(l.Item2)).ToList();
        foreach (var (id, _) in dead) DeleteLease(id, tx);
        return dead.Count;
    }

    /// <summary>Whether a lease of a process that is gone exists (a command killed mid-way left what it held).</summary>
    public bool HasDeadLeases() => Query("SELECT owner FROM leases", r => r.GetString(0)).Any(o => !OwnerAlive(o));

    public HashSet<string> LeasedRefs(string kind, SqliteTransaction tx)
        => Query("SELECT ref FROM lease_refs WHERE kind=$k", r => r.GetString(0), tx, ("$k", kind)).ToHashSet();
}
