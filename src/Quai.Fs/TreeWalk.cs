using Quai.Interop;

namespace Quai.Fs;

/// <summary>Walks a directory tree that may be hostile (a container's writable layer, an image layout a user
/// points at) without ever following a symlink: each child is opened from its parent's descriptor with
/// O_PATH|O_NOFOLLOW, so a link, or a directory swapped for one mid-walk, is reported as what it is. The
/// walk stays on the start's filesystem (a mount point is reported, not entered) and holds one descriptor
/// per level, so a wide tree cannot exhaust descriptors and a deep one is refused at <see cref="MaxDepth"/>.</summary>
public static class TreeWalk
{
    /// <summary>Deeper trees are refused rather than walked (PATH_MAX allows about 2,000 levels of one-letter names).</summary>
    public const int MaxDepth = 4096;

    /// <summary>Called for every entry below the start: its path relative to the start ('/'-separated), an
    /// O_PATH descriptor to it that is valid only during the call, and its lstat.</summary>
    public delegate void Visitor(string path, int fd, in NativeFs.Stat st);

    /// <summary>Walks everything below the directory <paramref name="dirFd"/> (which is not reported itself), in name order.</summary>
    public static void Walk(int dirFd, string where, Visitor visit)
    {
        var start = NativeFs.FstatAt(dirFd, "", NativeFs.AT_EMPTY_PATH, where);
        if (!start.IsDir) throw new IOException($"walk {where}: not a directory");
        var stack = new Stack<Level>();
        var top = new SafeFd(NativeFs.OpenAt(dirFd, ".", NativeFs.O_RDONLY | NativeFs.O_DIRECTORY, 0, where));
        try { stack.Push(new Level(top, "", List(top.Fd))); }
        catch { top.Dispose(); throw; }
        try
        {
            while (stack.Count > 0)
            {
                var level = stack.Peek();
                if (level.Next >= level.Names.Count) { stack.Pop().Dir.Dispose(); continue; }
                var name = level.Names[level.Next++];
                var path = level.Path.Length == 0 ? name : level.Path + "/" + name;
                var fd = NativeFs.TryOpenAt(level.Dir.Fd, name, NativeFs.O_PATH | NativeFs.O_NOFOLLOW, 0);
                if (fd == -Errno.ENOENT) continue; // removed meanwhile
                if (fd < 0) throw new ErrnoException($"open {path} in {where}", -fd);
                using var child = new SafeFd(fd);
                var st = NativeFs.FstatAt(child.Fd, "", NativeFs.AT_EMPTY_PATH, $"{path} in {where}");
                visit(path, child.Fd, st);
                if (!st.IsDir || st.Dev != start.Dev) continue;
                if (stack.Count >= MaxDepth) throw new IOException($"walk {where}: {path} is more than {MaxDepth} directories deep");
                var dir = new SafeFd(NativeFs.OpenAt(child.Fd, ".", NativeFs.O_RDONLY | NativeFs.O_DIRECTORY, 0, $"{path} in {where}"));
                try { stack.Push(new Level(dir, path, List(dir.Fd))); }
                catch { dir.Dispose(); throw; }
            }
        }
        finally
        {
            while (stack.Count > 0) stack.Pop().Dir.Dispose();
        }
    }

    /// <summary>The bytes the regular files below <paramref name="hostDir"/> hold, each hard-linked inode once
    /// (what <c>docker ps -s</c> shows for a container's writable layer). 0 when the directory does not exist.</summary>
    public static long Usage(string hostDir)
    {
        var fd = NativeFs.TryOpenAt(NativeFs.AT_FDCWD, hostDir, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0);
        if (fd == -Errno.ENOENT) return 0;
        if (fd < 0) throw new ErrnoException($"open {hostDir}", -fd);
        using var root = new SafeFd(fd);
        long total = 0;
        var seen = new HashSet<(ulong, ulong)>();
        Walk(root.Fd, hostDir, (string _, int _, in NativeFs.Stat st) =>
        {
            if (st.Type == NativeFs.S_IFREG && (st.Nlink <= 1 || seen.Add((st.Dev, st.Ino)))) total += st.Size;
        });
        return total;
    }

    private sealed class Level(SafeFd dir, string path, List<string> names)
    {
        public SafeFd Dir { get; } = dir;
        public string Path { get; } = path;
        public List<string> Names { get; } = names;
        public int Next { get; set; }
    }

    /// <summary>The names in a directory, sorted (readdir through the descriptor's /proc link, never a path).</summary>
    public static List<string> List(int dirFd)
    {
        var names = Directory.EnumerateFileSystemEntries($"/proc/self/fd/{dirFd}").Select(p => System.IO.Path.GetFileName(p)!).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
