using Quai.Fs;
using Quai.Interop;

namespace Quai.Build.Context;

/// <summary>
/// Lists what a context sends, as BuildKit's fsutil walk does with the .dockerignore's patterns: every entry
/// below the root in name order (a directory before what it holds), symlinks as links, sockets left out.
/// An excluded file is left out. An excluded directory is left out with all it holds when no exception can
/// re-include anything below it; otherwise it is walked, and listed (before its first listed child) only
/// when something below it is re-included, so an exception brings its parent directories with it.
/// </summary>
/// <remarks>The walk is <see cref="TreeWalk"/>'s: descriptors only, no symlink followed, mount points listed
/// but not entered. TreeWalk cannot prune, so a skipped directory is still walked, and its entries dropped
/// here.</remarks>
internal static class ContextWalk
{
    private sealed class OpenDirectory(string prefix, bool[] flags, ContextEntry entry, bool listed)
    {
        public string Prefix { get; } = prefix;
        public bool[] Flags { get; } = flags;
        public ContextEntry Entry { get; } = entry;
        public bool Listed { get; set; } = listed;
    }

    public static List<ContextEntry> Walk(int rootFd, string where, DockerIgnore ignore)
    {
        var entries = new List<ContextEntry>();
        var above = new List<OpenDirectory>(); // the directories the current path is in, outermost first
        var scratch = new bool[ignore.Count];
        string? skipping = null;
        TreeWalk.Walk(rootFd, where, (string path, int fd, in NativeFs.Stat st) =>
        {
            if (skipping is not null)
            {
                if (path.StartsWith(skipping, StringComparison.Ordinal)) return;
                skipping = null;
            }
            if (ignore.Count == 0)
            {
                if (FromStat(path, fd, st, where) is { } e) entries.Add(e);
                return;
            }
            while (above.Count > 0 && !path.StartsWith(above[^1].Prefix, StringComparison.Ordinal)) above.RemoveAt(above.Count - 1);
            bool isDir = st.IsDir;
            var flags = isDir ? new bool[ignore.Count] : scratch;
            bool excluded = ignore.Match(path, above.Count > 0 ? above[^1].Flags : null, flags);
            if (excluded && (!isDir || ignore.SkipsExcludedDirectory(path)))
            {
                if (isDir) skipping = path + "/";
                return;
            }
            if (FromStat(path, fd, st, where) is not { } entry) return;
            if (!excluded)
            {
                foreach (var dir in above)
                    if (!dir.Listed) { entries.Add(dir.Entry); dir.Listed = true; }
                entries.Add(entry);
            }
            if (isDir) above.Add(new OpenDirectory(path + "/", flags, entry, listed: !excluded));
        });
        return entries;
    }

    /// <summary>The entry for what the walk found at <paramref name="path"/>; null for a socket (tar, and so a
    /// context, has no type for it).</summary>
    public static ContextEntry? FromStat(string path, int fd, in NativeFs.Stat st, string where)
    {
        ContextEntryType type;
        switch (st.Type)
        {
            case NativeFs.S_IFREG: type = ContextEntryType.File; break;
            case NativeFs.S_IFDIR: type = ContextEntryType.Directory; break;
            case NativeFs.S_IFLNK: type = ContextEntryType.Symlink; break;
            case NativeFs.S_IFCHR: type = ContextEntryType.CharDevice; break;
            case NativeFs.S_IFBLK: type = ContextEntryType.BlockDevice; break;
            case NativeFs.S_IFIFO: type = ContextEntryType.Fifo; break;
            default: return null;
        }
        return new ContextEntry
        {
            Path = path,
            Type = type,
            Mode = st.Mode & 0xFFF,
            Uid = st.Uid,
            Gid = st.Gid,
            Size = type == ContextEntryType.File ? st.Size : 0,
            LinkTarget = type == ContextEntryType.Symlink ? NativeFs.ReadLinkAt(fd, "", $"{path} in {where}") : null,
            DeviceNumber = type is ContextEntryType.CharDevice or ContextEntryType.BlockDevice ? st.Rdev : 0,
            Dev = st.Dev,
            Ino = st.Ino,
            ModTime = DateTimeOffset.FromUnixTimeSeconds(st.Mtime.Sec).AddTicks(st.Mtime.Nsec / 100),
        };
    }
}
