using System.Formats.Tar;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Images.Layers;

/// <summary>Generates a layer tar (uncompressed, PAX) from a directory: either an overlay upper directory
/// (overlay whiteouts become <c>.wh.</c> files, opaque directories <c>.wh..wh..opq</c>) or by comparing a
/// full tree with its parent (deleted paths become <c>.wh.</c> files). The directories are a container's
/// writable layer and image layers, so they are walked as <see cref="TreeArchiver"/> walks: from descriptors,
/// each child opened with O_PATH|O_NOFOLLOW and files reopened through their own descriptor, so a symlink (or a
/// directory swapped for one by a container still running) is written as a link, never followed.</summary>
public static class DiffWriter
{
    /// <summary>Writes the changes in an overlay upper directory.</summary>
    public static void WriteOverlayUpper(string upper, Stream output)
    {
        using var w = new Writer(output);
        using var root = OpenDir(NativeFs.AT_FDCWD, upper, upper);
        w.WalkOverlay(root.Fd, "", 0);
    }

    /// <summary>Writes what differs in <paramref name="upper"/> from <paramref name="lower"/> (null: everything).</summary>
    public static void WriteComparison(string? lower, string upper, Stream output)
    {
        using var w = new Writer(output);
        using var up = OpenDir(NativeFs.AT_FDCWD, upper, upper);
        using var low = lower is null ? null : OpenDir(NativeFs.AT_FDCWD, lower, lower);
        w.WalkCompare(low?.Fd, up.Fd, "", 0);
    }

    private static SafeFd OpenDir(int dirFd, string name, string what)
        => new(NativeFs.OpenAt(dirFd, name, NativeFs.O_RDONLY | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, what));

    private sealed class Writer(Stream output) : IDisposable
    {
        private readonly TarWriter _tar = new(output, TarEntryFormat.Pax, leaveOpen: true);
        private readonly Dictionary<(ulong, ulong), string> _links = [];

        /// <summary>An entry of a directory: an O_PATH descriptor and its lstat (null when it vanished meanwhile).</summary>
        private static (SafeFd Fd, NativeFs.Stat St)? Child(int dirFd, string name, string rel)
        {
            var fd = NativeFs.TryOpenAt(dirFd, name, NativeFs.O_PATH | NativeFs.O_NOFOLLOW, 0);
            if (fd == -Errno.ENOENT) return null;
            if (fd < 0) throw new ErrnoException($"open {rel} of a layer", -fd);
            var h = new SafeFd(fd);
            return (h, NativeFs.FstatAt(fd, "", NativeFs.AT_EMPTY_PATH, rel));
        }

        private static void Depth(int depth, string rel)
        {
            if (depth >= TreeWalk.MaxDepth) throw new IOException($"layer diff: {rel} is more than {TreeWalk.MaxDepth} directories deep");
        }

        public void WalkOverlay(int dirFd, string rel, int depth)
        {
            Depth(depth, rel);
            foreach (var name in TreeWalk.List(dirFd))
            {
                var relPath = rel.Length == 0 ? name : rel + "/" + name;
                if (Child(dirFd, name, relPath) is not { } c) continue;
                using var fd = c.Fd;
                var st = c.St;
                if (st.Type == NativeFs.S_IFCHR && st.Rdev == 0)
                {
                    Whiteout(rel, name);
                    continue;
                }
                WriteEntry(fd.Fd, relPath, st);
                if (st.IsDir)
                {
                    using var sub = OpenDir(fd.Fd, ".", relPath);
                    if (NativeFs.FGetXattrs(sub.Fd).Any(x => x.Name == "trusted.overlay.opaque" && x.Value.Length > 0 && x.Value[0] == (byte)'y'))
                        Whiteout(relPath, LayerApplier.OpaqueWhiteout[LayerApplier.WhiteoutPrefix.Length..]);
                    WalkOverlay(sub.Fd, relPath, depth + 1);
                }
            }
        }

        public void WalkCompare(int? lowerFd, int upperFd, string rel, int depth)
        {
            Depth(depth, rel);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in TreeWalk.List(upperFd))
            {
                seen.Add(name);
                var relPath = rel.Length == 0 ? name : rel + "/" + name;
                if (Child(upperFd, name, relPath) is not { } c) continue;
                using var fd = c.Fd;
                var st = c.St;
                var l = lowerFd is { } lf ? Child(lf, name, relPath) : null;
                using var lfd = l?.Fd;
                if (l is not { } lower || Changed(lower.Fd.Fd, lower.St, fd.Fd, st, relPath)) WriteEntry(fd.Fd, relPath, st);
                if (st.IsDir)
                {
                    using var sub = OpenDir(fd.Fd, ".", relPath);
                    using var lowerSub = l is { St.IsDir: true } ld ? OpenDir(ld.Fd.Fd, ".", relPath) : null;
                    WalkCompare(lowerSub?.Fd, sub.Fd, relPath, depth + 1);
                }
            }
            if (lowerFd is not { } lowerDir) return;
            foreach (var name in TreeWalk.List(lowerDir))
                if (!seen.Contains(name)) Whiteout(rel, name);
        }

        private static bool Changed(int lowerFd, NativeFs.Stat a, int upperFd, NativeFs.Stat b, string rel)
        {
            if (a.Mode != b.Mode || a.Uid != b.Uid || a.Gid != b.Gid || a.Rdev != b.Rdev) return true;
            if (a.IsDir) return a.Mtime.Sec != b.Mtime.Sec || a.Mtime.Nsec != b.Mtime.Nsec || !SameXattrs(lowerFd, upperFd);
            if (a.Size != b.Size || a.Mtime.Sec != b.Mtime.Sec || a.Mtime.Nsec != b.Mtime.Nsec) return true;
            if (a.Type == NativeFs.S_IFLNK)
                return NativeFs.ReadLinkAt(lowerFd, "", rel) != NativeFs.ReadLinkAt(upperFd, "", rel);
            return !SameXattrs(lowerFd, upperFd);
        }

        private static bool SameXattrs(int a, int b)
        {
            var xa = NativeFs.XattrsOf(a);
            var xb = NativeFs.XattrsOf(b);
            return xa.Count == xb.Count && xa.All(x => xb.Any(y => y.Name == x.Name && y.Value.AsSpan().SequenceEqual(x.Value)));
        }

        private void Whiteout(string rel, string name)
        {
            var entryName = (rel.Length == 0 ? "" : rel + "/") + LayerApplier.WhiteoutPrefix + name;
            Write(new PaxTarEntry(TarEntryType.RegularFile, entryName) { Mode = UnixFileMode.None, ModificationTime = DateTimeOffset.UnixEpoch });
        }

        /// <summary>Writes the entry <paramref name="fd"/> (O_PATH) names; a regular file's data is read through that
        /// descriptor, cut or padded to the size it had when it was looked at.</summary>
        private void WriteEntry(int fd, string rel, NativeFs.Stat st)
        {
            TarEntryType type;
            string? link = null;
            switch (st.Type)
            {
                case NativeFs.S_IFDIR: type = TarEntryType.Directory; rel += "/"; break;
                case NativeFs.S_IFLNK: type = TarEntryType.SymbolicLink; link = NativeFs.ReadLinkAt(fd, "", rel); break;
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
            var e = TarEntries.FromStat(type, rel, st, link, NativeFs.XattrsOf(fd));
            if (type == TarEntryType.RegularFile)
            {
                var rfd = NativeFs.OpenAt(NativeFs.AT_FDCWD, $"/proc/self/fd/{fd}", NativeFs.O_RDONLY | NativeFs.O_NONBLOCK, 0, rel);
                using var file = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(rfd, ownsHandle: true), FileAccess.Read, 1 << 16);
                using var data = new FixedLengthStream(file, st.Size);
                e.DataStream = data;
                Write(e);
                return;
            }
            Write(e);
        }

        private bool _wrote;

        private void Write(TarEntry e)
        {
            _tar.WriteEntry(e);
            _wrote = true;
        }

        /// <summary>A layer without changes is still a tar: the end-of-archive blocks (TarWriter writes
        /// them only after an entry, and a 0-byte layer is no archive for unpackers and registries).</summary>
        public void Dispose()
        {
            _tar.Dispose();
            if (!_wrote) output.Write(new byte[1024]);
        }
    }
}
