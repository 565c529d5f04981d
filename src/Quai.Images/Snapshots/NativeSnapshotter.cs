using Quai.Images.Layers;
using Quai.Images.Metadata;

namespace Quai.Images.Snapshots;

/// <summary>The portable fallback: every snapshot is a full copy of its parent (ownership, modes, times,
/// xattrs, devices and hard links preserved); diffs are computed by comparing with the parent's tree.</summary>
public sealed class NativeSnapshotter(MetadataStore db, string root) : SnapshotterBase(db, root)
{
    public override string Name => "native";

    protected override void CreateData(SnapshotRecord snapshot, IReadOnlyList<SnapshotRecord> parents)
    {
        Directory.CreateDirectory(Dir(snapshot.Id), Quai.Fs.PrivateStore.DirMode);
        if (parents.Count == 0)
            Directory.CreateDirectory(FsDir(snapshot.Id));
        else
            TreeCopier.Copy(FsDir(parents[0].Id), FsDir(snapshot.Id));
    }

    public override IReadOnlyList<Mount> Mounts(string key)
    {
        var rec = Get(key);
        return [new Mount("bind", FsDir(rec.Id), ["rbind", rec.Kind == SnapshotKind.Active ? "rw" : "ro"])];
    }

    public override T WithWritableView<T>(string key, Func<string, T> action) => action(FsDir(Get(key).Id));

    public override void WriteDiff(string key, Stream output)
    {
        var rec = Get(key);
        string? lower = rec.Parent is null ? null : FsDir(Get(rec.Parent).Id);
        DiffWriter.WriteComparison(lower, FsDir(rec.Id), output);
    }
}
