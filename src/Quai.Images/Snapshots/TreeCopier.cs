using Quai.Interop;

namespace Quai.Images.Snapshots;

/// <summary>Copies a directory tree exactly: file types, contents, ownership, modes, nanosecond mtimes,
/// xattrs and hard links. Symlinks are copied as links and never followed.</summary>
public static class TreeCopier
{
    public static void Copy(string source, string destination)
    {
        var links = new Dictionary<(ulong, ulong), string>();
        var st = NativeFs.Lstat(source);
        Directory.CreateDirectory(destination);
        CopyDir(source, destination, links);
        SetMetadata(source, destination, st);
    }

    private static void CopyDir(string src, string dst, Dictionary<(ulong, ulong), string> links)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(src))
        {
            var name = Path.GetFileName(entry);
            var to = Path.Combine(dst, name);
            var st = NativeFs.Lstat(entry);
            switch (st.Type)
            {
                case NativeFs.S_IFDIR:
                    Directory.CreateDirectory(to);
                    CopyDir(entry, to, links);
                    break;
                case NativeFs.S_IFREG:
                    if (st.Nlink > 1)
                    {
                        if (links.TryGetValue((st.Dev, st.Ino), out var first))
                        {
                            NativeFs.LinkAt(NativeFs.AT_FDCWD, first, NativeFs.AT_FDCWD, to, 0, $"{to} -> {first}");
                            continue;
                        }
                        links[(st.Dev, st.Ino)] = to;
                    }
                    File.Copy(entry, to);
                    break;
                case NativeFs.S_IFLNK:
                    NativeFs.SymlinkAt(NativeFs.ReadLinkAt(NativeFs.AT_FDCWD, entry, entry), NativeFs.AT_FDCWD, to, to);
                    break;
                case NativeFs.S_IFCHR or NativeFs.S_IFBLK or NativeFs.S_IFIFO:
                    NativeFs.MknodAt(NativeFs.AT_FDCWD, to, st.Mode, st.Rdev, to);
                    break;
                default:
                    continue; // sockets are not part of an image
            }
            SetMetadata(entry, to, st);
        }
    }

    private static void SetMetadata(string src, string dst, NativeFs.Stat st)
    {
        bool symlink = st.Type == NativeFs.S_IFLNK;
        if (NativeFs.geteuid() == 0) NativeFs.FchownAt(NativeFs.AT_FDCWD, dst, st.Uid, st.Gid, NativeFs.AT_SYMLINK_NOFOLLOW, dst);
        foreach (var (name, value) in NativeFs.LGetXattrs(src))
        {
            try { NativeFs.LSetXattr(dst, name, value, dst); }
            catch (Quai.Interop.ErrnoException) when (!name.StartsWith("user.", StringComparison.Ordinal)) { }
        }
        if (!symlink) NativeFs.FchmodAt(NativeFs.AT_FDCWD, dst, st.Mode & 0xFFF, dst);
        NativeFs.UtimensAt(NativeFs.AT_FDCWD, dst, st.Atime, st.Mtime, NativeFs.AT_SYMLINK_NOFOLLOW, dst);
    }
}
