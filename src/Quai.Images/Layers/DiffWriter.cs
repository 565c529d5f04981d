using System.Formats.Tar;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Images.Layers;

/// <summary>Generates a layer tar (uncompressed, PAX) from a directory: either an overlay upper directory
/// (overlay whiteouts become <c>.wh.</c> files, opaque directories <c>.wh..wh..opq</c>) or by comparing a
/// full tree with its parent (deleted paths become <c>.wh.</c> files).</summary>
public static class DiffWriter
{
    /// <summary>Writes the changes in an overlay upper directory.</summary>
    public static void WriteOverlayUpper(string upper, Stream output)
    {
        using var w = new Writer(output);
        w.WalkOverlay(upper, "");
    }

    /// <summary>Writes what differs in <paramref name="upper"/> from <paramref name="lower"/> (null: everything).</summary>
    public static void WriteComparison(string? lower, string upper, Stream output)
    {
        using var w = new Writer(output);
        w.WalkCompare(lower, upper, "");
    }

    private sealed class Writer(Stream output) : IDisposable
    {
        private readonly TarWriter _tar = new(output, TarEntryFormat.Pax, leaveOpen: true);
        private readonly Dictionary<(ulong, ulong), string> _links = [];

        public void WalkOverlay(string dir, string rel)
        {
            foreach (var path in Sorted(dir))
            {
                var name = Path.GetFileName(path);
                var relPath = rel.Length == 0 ? name : rel + "/" + name;
                var st = NativeFs.Lstat(path);
                if (st.Type == NativeFs.S_IFCHR && st.Rdev == 0)
                {
                    Whiteout(rel, name);
                    continue;
                }
                WriteEntry(path, relPath, st);
                if (st.IsDir)
                {
                    if (NativeFs.LGetXattrs(path).Any(x => x.Name == "trusted.overlay.opaque" && x.Value.Length > 0 && x.Value[0] == (byte)'y'))
                        Whiteout(relPath, LayerApplier.OpaqueWhiteout[LayerApplier.WhiteoutPrefix.Length..]);
                    WalkOverlay(path, relPath);
                }
            }
        }

        public void WalkCompare(string? lower, string upper, string rel)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in Sorted(upper))
            {
                var name = Path.GetFileName(path);
                seen.Add(name);
                var relPath = rel.Length == 0 ? name : rel + "/" + name;
                var st = NativeFs.Lstat(path);
                string? lowerPath = lower is null ? null : Path.Combine(lower, name);
                NativeFs.Stat lst = default;
                bool inLower = lowerPath is not null && NativeFs.TryFstatAt(NativeFs.AT_FDCWD, lowerPath, NativeFs.AT_SYMLINK_NOFOLLOW, out lst);
                if (!inLower || Changed(lowerPath!, lst, path, st)) WriteEntry(path, relPath, st);
                if (st.IsDir) WalkCompare(inLower && lst.IsDir ? lowerPath : null, path, relPath);
            }
            if (lower is null) return;
            foreach (var path in Sorted(lower))
            {
                var name = Path.GetFileName(path);
                if (!seen.Contains(name)) Whiteout(rel, name);
            }
        }

        private static bool Changed(string lowerPath, NativeFs.Stat a, string upperPath, NativeFs.Stat b)
        {
            if (a.Mode != b.Mode || a.Uid != b.Uid || a.Gid != b.Gid || a.Rdev != b.Rdev) return true;
            if (a.IsDir) return a.Mtime.Sec != b.Mtime.Sec || a.Mtime.Nsec != b.Mtime.Nsec || !SameXattrs(lowerPath, upperPath);
            if (a.Size != b.Size || a.Mtime.Sec != b.Mtime.Sec || a.Mtime.Nsec != b.Mtime.Nsec) return true;
            if (a.Type == NativeFs.S_IFLNK)
                return NativeFs.ReadLinkAt(NativeFs.AT_FDCWD, lowerPath, lowerPath) != NativeFs.ReadLinkAt(NativeFs.AT_FDCWD, upperPath, upperPath);
            return !SameXattrs(lowerPath, upperPath);
        }

        private static bool SameXattrs(string a, string b)
        {
            var xa = NativeFs.LGetXattrs(a);
            var xb = NativeFs.LGetXattrs(b);
            return xa.Count == xb.Count && xa.All(x => xb.Any(y => y.Name == x.Name && y.Value.AsSpan().SequenceEqual(x.Value)));
        }

        private static IEnumerable<string> Sorted(string dir)
            => Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal);

        private void Whiteout(string rel, string name)
        {
            var entryName = (rel.Length == 0 ? "" : rel + "/") + LayerApplier.WhiteoutPrefix + name;
            _tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entryName) { Mode = UnixFileMode.None, ModificationTime = DateTimeOffset.UnixEpoch });
        }

        private void WriteEntry(string path, string rel, NativeFs.Stat st)
        {
            TarEntryType type;
            string? link = null;
            switch (st.Type)
            {
                case NativeFs.S_IFDIR: type = TarEntryType.Directory; rel += "/"; break;
                case NativeFs.S_IFLNK: type = TarEntryType.SymbolicLink; link = NativeFs.ReadLinkAt(NativeFs.AT_FDCWD, path, path); break;
                case NativeFs.S_IFCHR: type = TarEntryType.CharacterDevice; break;
                case NativeFs.S_IFBLK: type = TarEntryType.BlockDevice; break;
                case NativeFs.S_IFIFO: type = TarEntryType.Fifo; break;
                case NativeFs.S_IFREG:
                    type = TarEntryType.RegularFile;
                    if (st.Nlink > 1)
                    {
                        if (_links.TryGetValue((st.Dev, st.Ino), out var first)) { type = TarEntryType.HardLink; link = first; }
                        else _links[(st.Dev, st.Ino)] = rel;
                    }
                    break;
                default: return;
            }
            var e = TarEntries.FromStat(type, rel, st, link, NativeFs.LGetXattrs(path));
            if (type == TarEntryType.RegularFile)
            {
                using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                e.DataStream = data;
                _tar.WriteEntry(e);
                return;
            }
            _tar.WriteEntry(e);
        }

        public void Dispose() => _tar.Dispose();
    }
}
