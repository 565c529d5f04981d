namespace Quai.Fs;

/// <summary>The store is private to its owner (root): a store any host user can traverse lets them run
/// a setuid binary from a layer, write to a device node stored in one, and read records holding
/// <c>-e PASSWORD=…</c> and logs. Directories are 0700 and records 0600, as podman's store; Docker's
/// <c>/var/lib/docker</c> is 0710 with 0700 below it.</summary>
public static class PrivateStore
{
    public const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOther = (UnixFileMode)0x3F; // 077

    /// <summary>Creates <paramref name="dir"/> 0700 if missing (missing parents get the usual modes). An existing
    /// directory that group or others can reach was made by an older quai: <paramref name="migrate"/> makes
    /// what it holds private first, and the directory is closed last, so a migration killed half-way runs
    /// again on the next open. Each component migrates the directory it owns.</summary>
    public static string EnsureDir(string dir, Action<string>? migrate = null)
    {
        if (!Directory.Exists(dir))
        {
            var parent = Path.GetDirectoryName(Path.GetFullPath(dir));
            if (parent is { Length: > 0 }) Directory.CreateDirectory(parent);
            try { Directory.CreateDirectory(dir, DirMode); }
            catch (IOException) when (Directory.Exists(dir)) { } // another process made it first
        }
        var mode = File.GetUnixFileMode(dir);
        if ((mode & GroupOther) == 0) return dir;
        migrate?.Invoke(dir);
        File.SetUnixFileMode(dir, mode & ~GroupOther);
        return dir;
    }

    /// <summary>Makes every directory and regular file below <paramref name="dir"/> private, without
    /// following links; <paramref name="skip"/> names subtrees that hold container or image content,
    /// whose modes belong to the content.</summary>
    public static void RestrictTree(string dir, Func<string, bool>? skip = null)
    {
        List<string> entries;
        try { entries = Directory.EnumerateFileSystemEntries(dir).ToList(); }
        catch (DirectoryNotFoundException) { return; }
        foreach (var e in entries)
        {
            if (skip?.Invoke(e) == true) continue;
            var info = new FileInfo(e);
            if ((int)info.Attributes == -1 || info.Attributes.HasFlag(FileAttributes.ReparsePoint)) continue;
            if (info.Attributes.HasFlag(FileAttributes.Directory)) RestrictTree(e, skip);
            Restrict(e);
        }
    }

    /// <summary>Takes group and other bits off <paramref name="path"/> if it exists (no link is followed).</summary>
    public static void Restrict(string path)
    {
        var info = new FileInfo(path); // lstat: a link is left alone, never followed
        if ((int)info.Attributes == -1 || info.Attributes.HasFlag(FileAttributes.ReparsePoint)) return;
        var mode = info.UnixFileMode;
        if ((mode & GroupOther) == 0) return;
        try { info.UnixFileMode = mode & ~GroupOther; }
        catch (FileNotFoundException) { }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>Options for a new private file (0600).</summary>
    public static FileStreamOptions NewFile(System.IO.FileMode mode, FileShare share = FileShare.None, int bufferSize = 4096, FileOptions options = FileOptions.None)
        => new() { Mode = mode, Access = FileAccess.Write, Share = share, BufferSize = bufferSize, Options = options, UnixCreateMode = FileMode };
}
