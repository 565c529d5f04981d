using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;
using Quai.Interop;

namespace Quai.Fs;

/// <summary>What an extraction wrote. <paramref name="Whiteouts"/>: with <see cref="ExtractOptions.OverlayUpper"/>,
/// the overlay whiteouts left in the upper directory (paths without symlinks), each needed only if the layers below
/// have that name (<c>OverlaySnapshotter.DropNeedlessWhiteouts</c>).</summary>
public sealed record ApplyResult(long FileBytes, long Entries, IReadOnlyList<string>? Whiteouts = null);

/// <summary>How an archive is extracted.</summary>
public sealed class ExtractOptions
{
    /// <summary>Image layers: <c>.wh.name</c> deletes name, <c>.wh..wh..opq</c> empties its directory.
    /// Off for anything else (a user's file named .wh.x is just a file).</summary>
    public bool Whiteouts { get; init; }
    /// <summary>Owner of everything created (docker cp without -a: the container's root); null keeps the archive's.</summary>
    public (uint Uid, uint Gid)? Owner { get; init; }
    /// <summary>What the entries are called in messages ("layer entry", "archive entry").</summary>
    public string What { get; init; } = "archive entry";
    /// <summary>Device nodes are not created (docker cp to the host: a container's mknod must not become a
    /// node on the host that any host user could open).</summary>
    public bool SkipDevices { get; init; }
    /// <summary>With <see cref="Whiteouts"/>: the root is the empty upper directory of an overlay, not a merged view
    /// (the layers below are not visible), so whiteouts are written in overlay's on-disk form: <c>.wh.name</c> becomes
    /// a 0:0 character device name, <c>.wh..wh..opq</c> the attribute trusted.overlay.opaque=y on its directory. An
    /// entry that needs the layers below (a hard link to a file of theirs; a parent, or a whiteout's directory, that
    /// this layer does not create) throws <see cref="MergedViewRequiredException"/>: apply the layer through a
    /// mounted view instead. Needs root (mknod, trusted.* attributes).</summary>
    public bool OverlayUpper { get; init; }
}

/// <summary>An <see cref="ExtractOptions.OverlayUpper"/> extraction met an entry that needs the layers below; what
/// was written so far must be discarded and the layer applied through a mounted (merged) view.</summary>
public sealed class MergedViewRequiredException(string message) : Exception(message);

/// <summary>Extracts an uncompressed tar into a directory tree that may be hostile (a container's root, a
/// layer on top of others). Every path is resolved with openat2(RESOLVE_IN_ROOT) against the root, so
/// neither a symlink nor a hardlink in the archive or already on disk can take a write outside it;
/// absolute and <c>..</c> names are refused; an existing non-directory in the way is removed, never written
/// through (a device node, a FIFO, a symlink), and files are created with O_EXCL. With
/// <see cref="ExtractOptions.Whiteouts"/>, whiteouts delete what they name (an overlay mount turns that into
/// an overlay whiteout); an opaque whiteout empties the directory of everything earlier layers put there.</summary>
public sealed class TarExtractor : IDisposable
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueWhiteout = ".wh..wh..opq";
    /// <summary>The attribute overlayfs reads to hide the lower layers' contents of an upper directory.</summary>
    public const string OverlayOpaqueXattr = "trusted.overlay.opaque";
    private const ulong Resolve = NativeFs.RESOLVE_IN_ROOT | NativeFs.RESOLVE_NO_MAGICLINKS;

    private readonly string _root;
    private readonly SafeFd _rootFd;
    private readonly bool _privileged = NativeFs.geteuid() == 0;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly HashSet<string> _whiteouts = new(StringComparer.Ordinal), _opaque = new(StringComparer.Ordinal);
    private readonly List<(string Path, DateTimeOffset Mtime)> _dirTimes = [];
    private string? _cachedParent;
    private SafeFd? _cachedParentFd;
    private long _fileBytes, _entries;
    private string? _lastName;

    private readonly ExtractOptions _options;

    private TarExtractor(int dirfd, string root, string where, ExtractOptions options)
    {
        _root = where;
        _options = options;
        _rootFd = new SafeFd(NativeFs.OpenAt(dirfd, root, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, where));
    }

    /// <summary>Extracts <paramref name="tar"/> (uncompressed) into <paramref name="root"/> (a directory, or a
    /// /proc/self/fd/N or /proc/PID/root path of one).</summary>
    public static ApplyResult Extract(Stream tar, string root, ExtractOptions options)
    {
        using var x = new TarExtractor(NativeFs.AT_FDCWD, root, root, options);
        return x.Run(tar);
    }

    /// <summary>Extracts into the directory open as <paramref name="rootFd"/> (e.g. a container's root reached
    /// through /proc/PID/root); <paramref name="where"/> names it in messages.</summary>
    public static ApplyResult Extract(Stream tar, int rootFd, string where, ExtractOptions options)
    {
        using var x = new TarExtractor(rootFd, ".", where, options);
        return x.Run(tar);
    }

    private PaxXattrReader? _raw;
    private Dictionary<string, byte[]>? _currentXattrs;

    private ApplyResult Run(Stream tar)
    {
        _raw = new PaxXattrReader(tar);
        using var reader = new TarReader(_raw, leaveOpen: true);
        TarEntry? entry;
        while (true)
        {
            try
            {
                entry = reader.GetNextEntry(copyData: false);
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException)
            {
                throw new TarFormatException(_lastName is null
                    ? $"{_options.What}s are malformed: {e.Message}"
                    : $"{_options.What}s are malformed or truncated after entry \"{_lastName}\": {e.Message}", e);
            }
            if (entry is null) break;
            _entries++;
            _lastName = entry.Name;
            _currentXattrs = _raw.Take(entry.Name);
            ApplyEntry(entry);
        }
        if (_options.OverlayUpper)
        {
            // a whiteout in (or below) a directory this layer made opaque hides nothing, and would show in its listing
            foreach (var w in _whiteouts.Where(w => _opaque.Any(o => w.StartsWith(o + "/", StringComparison.Ordinal))).ToList())
            {
                var (parent, name) = TarPath.Split(w);
                int fd = OpenParent(parent, create: false);
                if (fd >= 0) NativeFs.UnlinkAt(fd, name, 0, Where(w));
                _whiteouts.Remove(w);
            }
        }
        // Directory mtimes last: creating children changes them.
        for (int i = _dirTimes.Count - 1; i >= 0; i--)
        {
            var (path, mtime) = _dirTimes[i];
            if (path.Length == 0) continue;
            var (parent, name) = TarPath.Split(path);
            int fd = OpenParent(parent, create: false);
            if (fd < 0) continue;
            try { NativeFs.UtimensAt(fd, name, mtime, NativeFs.AT_SYMLINK_NOFOLLOW, Where(path)); }
            catch (ErrnoException e) when (e.Code == Errno.ENOENT) { }
        }
        return new ApplyResult(_fileBytes, _entries, _options.OverlayUpper ? [.. _whiteouts.Order(StringComparer.Ordinal)] : null);
    }

    private string Where(string rel) => $"{rel} in {_root}";

    private void ApplyEntry(TarEntry entry)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) return;
        var path = TarPath.Clean(entry.Name);
        if (path.Length == 0) return; // the layer root itself: its metadata belongs to the snapshot
        var (parent, name) = TarPath.Split(path);

        if (_options.Whiteouts && name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            ApplyWhiteout(parent, name, entry.Name);
            return;
        }

        int dirfd = OpenParent(parent, create: true);
        bool isDir = entry.EntryType == TarEntryType.Directory;
        bool overWhiteout = false;
        if (NativeFs.TryFstatAt(dirfd, name, NativeFs.AT_SYMLINK_NOFOLLOW, out var existing))
        {
            // a directory made where this layer whited out a name must not show the lower layers' directory of that name
            overWhiteout = _options.OverlayUpper && IsOverlayWhiteout(existing);
            if (!(isDir && existing.IsDir))
            {
                if (entry.EntryType == TarEntryType.HardLink && SameLinkTarget(entry, path)) return;
                RemoveAll(dirfd, name, existing.IsDir, path);
            }
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!existing.IsDir || !NativeFs.TryFstatAt(dirfd, name, NativeFs.AT_SYMLINK_NOFOLLOW, out _))
                    NativeFs.MkdirAt(dirfd, name, 0x1C0 /* 0700 */, Where(path));
                if (overWhiteout) { SetOpaque(dirfd, name, path); _opaque.Add(path); }
                _dirTimes.Add((path, entry.ModificationTime));
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                WriteFile(dirfd, name, path, entry);
                break;
            case TarEntryType.SymbolicLink:
                if (entry.LinkName.Length == 0) throw new TarFormatException($"{_options.What} \"{entry.Name}\": symlink with an empty target");
                NativeFs.SymlinkAt(entry.LinkName, dirfd, name, Where(path));
                break;
            case TarEntryType.HardLink:
                CreateHardLink(dirfd, name, path, entry);
                _written.Add(path);
                return; // a hard link shares the target's metadata
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                uint type = entry.EntryType == TarEntryType.CharacterDevice ? NativeFs.S_IFCHR : NativeFs.S_IFBLK;
                if (!_privileged || _options.SkipDevices) return; // an unprivileged user could not create it either: skip, as rootless Docker does
                if (_options.OverlayUpper && type == NativeFs.S_IFCHR && ((PosixTarEntry)entry).DeviceMajor == 0 && ((PosixTarEntry)entry).DeviceMinor == 0)
                    throw new MergedViewRequiredException($"{_options.What} \"{entry.Name}\": a 0:0 character device would be an overlay whiteout in an upper directory");
                NativeFs.MknodAt(dirfd, name, type | 0x180 /* 0600 */, NativeFs.MakeDev((uint)((PosixTarEntry)entry).DeviceMajor, (uint)((PosixTarEntry)entry).DeviceMinor), Where(path));
                break;
            case TarEntryType.Fifo:
                NativeFs.MknodAt(dirfd, name, NativeFs.S_IFIFO | 0x180 /* 0600 */, 0, Where(path));
                break;
            default:
                throw new TarFormatException($"{_options.What} \"{entry.Name}\": unsupported tar entry type {entry.EntryType}");
        }
        _written.Add(path);
        SetMetadata(dirfd, name, path, entry);
    }

    private bool SameLinkTarget(TarEntry entry, string path) => TarPath.Clean(entry.LinkName, $"{_options.What} \"{entry.Name}\": hard link target") == path;

    private void WriteFile(int dirfd, string name, string path, TarEntry entry)
    {
        int fd = NativeFs.OpenAt(dirfd, name, NativeFs.O_WRONLY | NativeFs.O_CREAT | NativeFs.O_EXCL | NativeFs.O_NOFOLLOW, 0x180 /* 0600 */, Where(path));
        using var fs = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
        if (entry.DataStream is { } data)
        {
            try
            {
                data.CopyTo(fs, 1 << 17);
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException)
            {
                throw new TarFormatException($"{_options.What} \"{entry.Name}\": archive ends inside the file's data", e);
            }
        }
        _fileBytes += entry.Length;
    }

    private void CreateHardLink(int dirfd, string name, string path, TarEntry entry)
    {
        var target = TarPath.Clean(entry.LinkName, $"{_options.What} \"{entry.Name}\": hard link target");
        if (target.Length == 0) throw new TarFormatException($"{_options.What} \"{entry.Name}\": hard link to the root");
        var (tparent, tname) = TarPath.Split(target);
        int tfd = OpenParent(tparent, create: false);
        if (tfd < 0 || !NativeFs.TryFstatAt(tfd, tname, NativeFs.AT_SYMLINK_NOFOLLOW, out var st))
        {
            if (_options.OverlayUpper)
                throw new MergedViewRequiredException($"{_options.What} \"{entry.Name}\": hard link to \"{entry.LinkName}\", which this layer does not contain");
            throw new TarFormatException($"{_options.What} \"{entry.Name}\": hard link target \"{entry.LinkName}\" does not exist in the archive");
        }
        if (_options.OverlayUpper && IsOverlayWhiteout(st))
            throw new MergedViewRequiredException($"{_options.What} \"{entry.Name}\": hard link to \"{entry.LinkName}\", which this layer whited out");
        if (st.IsDir) throw new TarFormatException($"{_options.What} \"{entry.Name}\": hard link to directory \"{entry.LinkName}\"");
        // tfd may be the cached parent; take a private descriptor so opening our own parent does not close it.
        using var own = new SafeFd(NativeFs.OpenAt2(_rootFd.Fd, tparent.Length == 0 ? "." : tparent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve));
        if (own.Fd < 0) throw new ErrnoException($"open {Where(tparent)}", -own.Fd);
        dirfd = OpenParent(TarPath.Split(path).Parent, create: true);
        NativeFs.LinkAt(own.Fd, tname, dirfd, name, 0, $"{Where(path)} -> {target}");
    }

    private void SetMetadata(int dirfd, string name, string path, TarEntry entry)
    {
        bool symlink = entry.EntryType == TarEntryType.SymbolicLink;
        if (_privileged)
        {
            var (uid, gid) = _options.Owner ?? ((uint)entry.Uid, (uint)entry.Gid);
            NativeFs.FchownAt(dirfd, name, uid, gid, NativeFs.AT_SYMLINK_NOFOLLOW, Where(path));
        }
        if (entry is PaxTarEntry pax)
        {
            // Exact bytes from our own PAX parse; TarReader's strings only when it could not match the entry.
            var raw = _currentXattrs;
            var xattrs = raw ?? pax.ExtendedAttributes.Where(kv => kv.Key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal) && !kv.Value.Contains('\uFFFD'))
                .ToDictionary(kv => kv.Key["SCHILY.xattr.".Length..], kv => System.Text.Encoding.UTF8.GetBytes(kv.Value));
            foreach (var (xname, value) in xattrs)
            {
                if (!XattrAllowed(xname)) continue;
                try
                {
                    NativeFs.LSetXattr($"/proc/self/fd/{dirfd}/{name}", xname, value, Where(path));
                }
                catch (ErrnoException e) when (e.Code == Errno.EOPNOTSUPP || (e.Code == Errno.EPERM && !_privileged)) { }
            }
        }
        if (!symlink)
        {
            NativeFs.FchmodAt(dirfd, name, (uint)entry.Mode & 0xFFF /* 07777 */, Where(path));
            if (entry.EntryType != TarEntryType.Directory)
                NativeFs.UtimensAt(dirfd, name, entry.ModificationTime, NativeFs.AT_SYMLINK_NOFOLLOW, Where(path));
        }
        else
        {
            NativeFs.UtimensAt(dirfd, name, entry.ModificationTime, NativeFs.AT_SYMLINK_NOFOLLOW, Where(path));
        }
    }

    /// <summary>Overlay's own attributes are never taken from an archive: they would forge whiteouts and redirects.</summary>
    public static bool XattrAllowed(string name)
        => !name.StartsWith("trusted.overlay.", StringComparison.Ordinal) && !name.StartsWith("user.overlay.", StringComparison.Ordinal);

    private void ApplyWhiteout(string parent, string name, string original)
    {
        if (_options.OverlayUpper)
        {
            ApplyOverlayWhiteout(parent, name, original);
            return;
        }
        int dirfd = OpenParent(parent, create: false);
        if (dirfd < 0) return; // nothing below to hide
        if (name == OpaqueWhiteout)
        {
            using var dir = new SafeFd(NativeFs.OpenAt2(_rootFd.Fd, parent.Length == 0 ? "." : parent, NativeFs.O_RDONLY | NativeFs.O_DIRECTORY, 0, Resolve));
            if (dir.Fd < 0) throw new ErrnoException($"open {Where(parent)}", -dir.Fd);
            foreach (var child in ListDir(parent))
            {
                var childPath = parent.Length == 0 ? child : parent + "/" + child;
                if (_written.Contains(childPath)) continue;
                if (NativeFs.TryFstatAt(dir.Fd, child, NativeFs.AT_SYMLINK_NOFOLLOW, out var st))
                    RemoveAll(dir.Fd, child, st.IsDir, childPath);
            }
            return;
        }
        var target = name[WhiteoutPrefix.Length..];
        if (target.Length == 0 || target == "." || target == "..")
            throw new TarFormatException($"{_options.What} \"{original}\": invalid whiteout name");
        if (NativeFs.TryFstatAt(dirfd, target, NativeFs.AT_SYMLINK_NOFOLLOW, out var existing))
            RemoveAll(dirfd, target, existing.IsDir, parent.Length == 0 ? target : parent + "/" + target);
    }

    /// <summary>A whiteout in an upper directory: the opaque marker on the directory itself, else a 0:0 character
    /// device in place of whatever this layer put there. The directory must be this layer's (else its owner, mode
    /// and very existence are the lower layers' business: a merged view decides).</summary>
    private void ApplyOverlayWhiteout(string parent, string name, string original)
    {
        if (parent.Length == 0 && name == OpaqueWhiteout)
            throw new MergedViewRequiredException($"{_options.What} \"{original}\": an opaque root directory");
        int dirfd = OpenParent(parent, create: false);
        if (dirfd < 0)
            throw new MergedViewRequiredException($"{_options.What} \"{original}\": its directory \"{parent}\" is not in this layer");
        // recorded paths must name what they mark: no symbolic link on the way
        using (var plain = new SafeFd(NativeFs.OpenAt2(_rootFd.Fd, parent.Length == 0 ? "." : parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve | NativeFs.RESOLVE_NO_SYMLINKS)))
            if (plain.Fd < 0)
                throw new MergedViewRequiredException($"{_options.What} \"{original}\": its directory \"{parent}\" is reached through a symbolic link");
        if (name == OpaqueWhiteout)
        {
            var (pp, pn) = TarPath.Split(parent);
            int ppfd = OpenParent(pp, create: false);
            if (ppfd < 0 || !NativeFs.TryFstatAt(ppfd, pn, NativeFs.AT_SYMLINK_NOFOLLOW, out var dst) || !dst.IsDir)
                throw new MergedViewRequiredException($"{_options.What} \"{original}\": its directory \"{parent}\" is not a directory of this layer");
            SetOpaque(ppfd, pn, parent);
            _opaque.Add(parent);
            return;
        }
        var target = name[WhiteoutPrefix.Length..];
        if (target.Length == 0 || target == "." || target == "..")
            throw new TarFormatException($"{_options.What} \"{original}\": invalid whiteout name");
        var rel = parent.Length == 0 ? target : parent + "/" + target;
        dirfd = OpenParent(parent, create: false);
        if (NativeFs.TryFstatAt(dirfd, target, NativeFs.AT_SYMLINK_NOFOLLOW, out var existing))
        {
            RemoveAll(dirfd, target, existing.IsDir, rel);
            dirfd = OpenParent(parent, create: false);
        }
        NativeFs.MknodAt(dirfd, target, NativeFs.S_IFCHR, 0, Where(rel));
        _whiteouts.Add(rel);
    }

    private static bool IsOverlayWhiteout(NativeFs.Stat st) => st.Type == NativeFs.S_IFCHR && st.Rdev == 0;

    private void SetOpaque(int dirfd, string name, string rel)
        => NativeFs.LSetXattr($"/proc/self/fd/{dirfd}/{name}", OverlayOpaqueXattr, "y"u8, Where(rel));

    private List<string> ListDir(string rel)
    {
        // Enumerate through /proc/self/fd of a safely opened descriptor, never through a path that could be swapped.
        using var dir = new SafeFd(NativeFs.OpenAt2(_rootFd.Fd, rel.Length == 0 ? "." : rel, NativeFs.O_RDONLY | NativeFs.O_DIRECTORY, 0, Resolve));
        if (dir.Fd < 0) throw new ErrnoException($"open {Where(rel)}", -dir.Fd);
        return Directory.EnumerateFileSystemEntries($"/proc/self/fd/{dir.Fd}").Select(Path.GetFileName).ToList()!;
    }

    /// <summary>Removes <paramref name="name"/> under <paramref name="dirfd"/>, recursing into directories without following symlinks.</summary>
    private void RemoveAll(int dirfd, string name, bool isDir, string rel)
    {
        // A cached descriptor for a directory that is about to disappear would keep writing into an unlinked tree.
        if (_cachedParent is not null && (_cachedParent == rel || _cachedParent.StartsWith(rel + "/", StringComparison.Ordinal)))
            InvalidateCache();
        if (isDir)
        {
            using var sub = new SafeFd(NativeFs.OpenAt(dirfd, name, NativeFs.O_RDONLY | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, Where(rel)));
            foreach (var child in Directory.EnumerateFileSystemEntries($"/proc/self/fd/{sub.Fd}").Select(Path.GetFileName).ToList())
            {
                if (NativeFs.TryFstatAt(sub.Fd, child!, NativeFs.AT_SYMLINK_NOFOLLOW, out var st))
                    RemoveAll(sub.Fd, child!, st.IsDir, rel + "/" + child);
            }
            NativeFs.UnlinkAt(dirfd, name, NativeFs.AT_REMOVEDIR, $"rmdir {Where(rel)}");
        }
        else
        {
            NativeFs.UnlinkAt(dirfd, name, 0, Where(rel));
        }
        _written.Remove(rel);
        _whiteouts.Remove(rel);
        _opaque.Remove(rel);
    }

    /// <summary>Opens the directory <paramref name="rel"/> inside the root (creating missing components with mode 0755
    /// when asked). Returns a cached descriptor owned by the applier, or -1 when it does not exist and create is false.</summary>
    private int OpenParent(string rel, bool create)
    {
        if (rel.Length == 0) return _rootFd.Fd;
        if (_cachedParent == rel && _cachedParentFd is not null) return _cachedParentFd.Fd;
        int fd = NativeFs.OpenAt2(_rootFd.Fd, rel, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
        if (_options.OverlayUpper && fd is -Errno.ENOENT or -Errno.ENOTDIR)
        {
            if (!create) return -1;
            // a directory (or a symlink's target) of the layers below, or none at all: only a merged view knows
            throw new MergedViewRequiredException($"{_options.What} \"{_lastName}\": its directory \"{rel}\" is not in this layer");
        }
        if (fd == -Errno.ENOENT && create)
        {
            var parts = rel.Split('/');
            for (int i = 1; i <= parts.Length; i++)
            {
                var prefix = string.Join('/', parts, 0, i);
                int pfd = NativeFs.OpenAt2(_rootFd.Fd, prefix, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
                if (pfd >= 0) { NativeFs.close(pfd); continue; }
                if (pfd != -Errno.ENOENT) throw new ErrnoException($"open {Where(prefix)}", -pfd);
                var up = i == 1 ? "" : string.Join('/', parts, 0, i - 1);
                using var upFd = new SafeFd(up.Length == 0 ? NativeFs.OpenAt(_rootFd.Fd, ".", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, _root)
                    : NativeFs.OpenAt2(_rootFd.Fd, up, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve));
                if (upFd.Fd < 0) throw new ErrnoException($"open {Where(up)}", -upFd.Fd);
                int rc = NativeFs.TryMkdirAt(upFd.Fd, parts[i - 1], 0x1ED /* 0755 */);
                if (rc < 0 && rc != -Errno.EEXIST) throw new ErrnoException($"mkdir {Where(prefix)}", -rc);
            }
            fd = NativeFs.OpenAt2(_rootFd.Fd, rel, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, Resolve);
        }
        if (fd == -Errno.ENOENT && !create) return -1;
        if (fd == -Errno.ENOENT)
            throw new TarFormatException($"{_options.What} \"{_lastName}\": parent \"{rel}\" cannot be created inside the root (a symbolic link to a missing target?)");
        if (fd == -Errno.ENOTDIR)
            throw new TarFormatException($"{_options.What} \"{_lastName}\": \"{rel}\" is not a directory in the archive");
        if (fd == -Errno.EXDEV)
            throw new TarFormatException($"{_options.What} \"{_lastName}\": \"{rel}\" resolves outside the root; refusing it");
        if (fd == -Errno.ELOOP)
            throw new TarFormatException($"{_options.What} \"{_lastName}\": \"{rel}\": too many levels of symbolic links");
        if (fd < 0) throw new ErrnoException($"open {Where(rel)}", -fd);
        InvalidateCache();
        _cachedParent = rel;
        _cachedParentFd = new SafeFd(fd);
        return fd;
    }

    private void InvalidateCache()
    {
        _cachedParentFd?.Dispose();
        _cachedParentFd = null;
        _cachedParent = null;
    }

    public void Dispose()
    {
        InvalidateCache();
        _rootFd.Dispose();
    }
}
