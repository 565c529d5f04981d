using Quai.Fs;
using Quai.Images.Layers;
using Quai.Interop;
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

    /// <summary>Whether a layer can be written straight into an active snapshot's upper directory, with no mount,
    /// whiteouts in overlay's own form (<see cref="Quai.Fs.ExtractOptions.OverlayUpper"/>): as root only (0:0
    /// character devices and trusted.* attributes).</summary>
    public static bool AppliesToUpper => NativeFs.geteuid() == 0;

    /// <summary>Runs <paramref name="action"/> on active snapshot <paramref name="key"/>'s own upper directory
    /// (not a merged view: nothing of its parents is visible there).</summary>
    public T WithUpper<T>(string key, Func<string, T> action) => action(FsDir(Get(key).Id));

    /// <summary>Moves the upper directory of active snapshot <paramref name="from"/> (a layer applied on its own,
    /// <see cref="WithUpper"/>) into active snapshot <paramref name="to"/>, whose upper must still be empty, and
    /// removes <paramref name="from"/>: a layer unpacked before its parent was committed takes its place in the
    /// chain with one rename.</summary>
    public void AdoptUpper(string to, string from)
    {
        var target = Get(to);
        var source = Get(from);
        if (target.Kind != SnapshotKind.Active || source.Kind != SnapshotKind.Active)
            throw new InvalidOperationException($"move the data of snapshot {from} into {to}: both must be active");
        var dst = FsDir(target.Id);
        Directory.Delete(dst); // empty, or this throws: nothing is overwritten
        Directory.Move(FsDir(source.Id), dst);
        Remove(from);
    }

    /// <summary>Removes from active snapshot <paramref name="key"/>'s upper directory the whiteouts (paths from
    /// <see cref="Quai.Fs.ApplyResult.Whiteouts"/>) of names its parents do not have: applied through a mount, the layer
    /// would have made none, and a whiteout in a directory overlay does not merge with a lower one shows in its
    /// listing. Its parents are looked at through a read-only mount of their own, in a private mount namespace.</summary>
    public void DropNeedlessWhiteouts(string key, IReadOnlyList<string> whiteouts)
    {
        if (whiteouts.Count == 0) return;
        var rec = Get(key);
        List<string> needless;
        if (rec.Parent is null) needless = [.. whiteouts];
        else
        {
            var merged = Path.Combine(Dir(rec.Id), "merged");
            Directory.CreateDirectory(merged);
            var mounts = Mounts(rec.Parent);
            needless = PrivateMounts.Run($"mount snapshot {rec.Parent}", () =>
            {
                MountHelper.MountAll(mounts, merged);
                try
                {
                    using var below = new SafeFd(NativeFs.OpenAt(NativeFs.AT_FDCWD, merged, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, merged));
                    return whiteouts.Where(w => !Exists(below.Fd, w)).ToList();
                }
                finally { MountHelper.Unmount(merged); }
            });
        }
        var upper = FsDir(rec.Id);
        using var root = new SafeFd(NativeFs.OpenAt(NativeFs.AT_FDCWD, upper, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, upper));
        foreach (var w in needless)
        {
            var (parent, name) = TarPath.Split(w);
            using var dir = new SafeFd(NativeFs.OpenAt2(root.Fd, parent.Length == 0 ? "." : parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, NoSymlinks));
            if (dir.Fd >= 0 && NativeFs.TryFstatAt(dir.Fd, name, NativeFs.AT_SYMLINK_NOFOLLOW, out var st) && st.Type == NativeFs.S_IFCHR && st.Rdev == 0)
            {
                // the directory keeps the times the layer gave it: through a mount no whiteout was made, so none changed them
                var times = NativeFs.FstatAt(dir.Fd, "", NativeFs.AT_EMPTY_PATH, $"{parent} in {upper}");
                NativeFs.UnlinkAt(dir.Fd, name, 0, $"{w} in {upper}");
                NativeFs.UtimensAt(NativeFs.AT_FDCWD, $"/proc/self/fd/{dir.Fd}", times.Atime, times.Mtime, 0, $"{parent} in {upper}");
            }
        }
    }

    private const ulong NoSymlinks = NativeFs.RESOLVE_IN_ROOT | NativeFs.RESOLVE_NO_SYMLINKS | NativeFs.RESOLVE_NO_MAGICLINKS;

    /// <summary>Whether <paramref name="path"/> is there below <paramref name="rootFd"/>, its directories real ones.</summary>
    private static bool Exists(int rootFd, string path)
    {
        var (parent, name) = TarPath.Split(path);
        using var dir = new SafeFd(NativeFs.OpenAt2(rootFd, parent.Length == 0 ? "." : parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, NoSymlinks));
        return dir.Fd >= 0 && NativeFs.TryFstatAt(dir.Fd, name, NativeFs.AT_SYMLINK_NOFOLLOW, out _);
    }

    public override void WriteDiff(string key, Stream output)
    {
        var rec = Get(key);
        DiffWriter.WriteOverlayUpper(FsDir(rec.Id), output);
    }
}
