using Quai.Images.Metadata;

namespace Quai.Images.Gc;

/// <summary>Holds blobs and snapshots for the duration of a command so that GC (in this or another process)
/// leaves them alone until they are referenced by an image or the command ends. Released on dispose;
/// if the process dies, the lease expires with it.</summary>
public sealed class Lease : IDisposable
{
    public const string Blob = "blob", Snapshot = "snapshot";
    private readonly MetadataStore _db;
    public string Id { get; }

    public Lease(MetadataStore db)
    {
        _db = db;
        Id = db.Write(tx => db.CreateLease(tx));
    }

    public void Add(string kind, string reference) => _db.Write(tx => _db.AddLeaseRef(Id, kind, reference, tx));

    public void Dispose() => _db.Write(tx => _db.DeleteLease(Id, tx));
}
