using Quai.Images.Layers;
using Quai.Images.Metadata;

namespace Quai.Images.Snapshots;

/// <summary>overlayfs: each snapshot's <c>fs/</c> is an upper directory; a snapshot is mounted with its parents'
/// <c>fs/</c> directories as lowerdirs. When the option string would exceed a page (many layers), lowerdirs are
/// given relative to <c>snapshots/</c> ("12/fs:11/fs") and the mount is made from that directory.</summary>
public sealed class OverlaySnapshotter(MetadataStore db, string root) : SnapshotterBase(db, root)
{
    private const int MaxOptionsLength = 4000;
    public override string Name => "overlayfs";

    protected override void CreateData(SnapshotRecord snapshot, IReadOnlyList<SnapshotRecord> parents)
    {
        Directory.CreateDirectory(Dir(snapshot.Id), Quai.Fs.PrivateStore.DirMode);
        Directory.CreateDirectory(FsDir(snapshot.Id));
        Directory.CreateDirectory(Path.Combine(Dir(snapshot.Id), "work"));
    }

    public override IReadOnlyList<Mount> Mounts(string key)
    {
        var chain = Db.SnapshotChain(key);
        var self = chain[0];
        bool active = self.Kind == SnapshotKind.Active;
        var lowers = active ? chain.Skip(1).ToList() : chain;
        if (active && lowers.Count == 0) return [new Mount("bind", FsDir(self.Id), ["rbind", "rw"])];
        if (!active && lowers.Count == 1) return [new Mount("bind", FsDir(self.Id), ["rbind", "ro"])];

        string Options(Func<SnapshotRecord, string> path)
        {
            var opts = new List<string> { "lowerdir=" + string.Join(':', lowers.Select(path)) };
            if (active) { opts.Add("upperdir=" + FsDir(self.Id)); opts.Add("workdir=" + Path.Combine(Dir(self.Id), "work")); }
            return string.Join(',', opts);
        }
        var abs = Options(s => FsDir(s.Id));
        if (abs.Length <= MaxOptionsLength) return [new Mount("overlay", "overlay", [.. abs.Split(','), .. active ? Array.Empty<string>() : ["ro"]])];
        var rel = Options(s => $"{s.Id}/fs");
        if (rel.Length > MaxOptionsLength)
            throw new InvalidOperationException($"mount snapshot {key}: {lowers.Count} layers do not fit in overlay mount options even with relative paths");
        return [new Mount("overlay", "overlay", [.. rel.Split(','), .. active ? Array.Empty<string>() : ["ro"]], Root)];
    }

    public override T WithWritableView<T>(string key, Func<string, T> action)
    {
        var rec = Get(key);
        if (rec.Parent is null) return action(FsDir(rec.Id));
        var merged = Path.Combine(Dir(rec.Id), "merged");
        Directory.CreateDirectory(merged);
        var mounts = Mounts(key);
        // mounted where only this work sees it: a process killed while applying a layer leaves no mount on the host
        return PrivateMounts.Run($"mount snapshot {key}", () =>
        {
            MountHelper.MountAll(mounts, merged);
            try
            {
                return action(merged);
            }
            finally
            {
                MountHelper.Unmount(merged);
            }
        });
    }

    public override void WriteDiff(string key, Stream output)
    {
        var rec = Get(key);
        DiffWriter.WriteOverlayUpper(FsDir(rec.Id), output);
    }
}
