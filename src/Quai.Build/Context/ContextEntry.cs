namespace Quai.Build.Context;

/// <summary>One file, directory, symlink, device or FIFO of a <see cref="BuildContext"/>, as its walk saw it
/// (lstat, never following a link). The modification time is kept for what COPY writes (BuildKit keeps it),
/// never for a cache key or a checksum: nothing the cache decides depends on it.</summary>
public sealed record ContextEntry
{
    /// <summary>The path relative to the context root, '/'-separated, no leading or trailing '/'; "" for the root.</summary>
    public required string Path { get; init; }

    /// <summary>What the entry is.</summary>
    public required ContextEntryType Type { get; init; }

    /// <summary>The permission bits with setuid, setgid and sticky (st_mode &amp; 07777).</summary>
    public required uint Mode { get; init; }

    /// <summary>The owner on the host.</summary>
    public required uint Uid { get; init; }

    /// <summary>The group on the host.</summary>
    public required uint Gid { get; init; }

    /// <summary>The size in bytes of a regular file (0 for everything else).</summary>
    public long Size { get; init; }

    /// <summary>The target of a symlink, as stored in the link (null for everything else).</summary>
    public string? LinkTarget { get; init; }

    /// <summary>The device number (st_rdev) of a device node (0 for everything else).</summary>
    public ulong DeviceNumber { get; init; }

    /// <summary>st_dev and st_ino when walked: a file reopened to be read must still be this inode.</summary>
    internal ulong Dev { get; init; }
    internal ulong Ino { get; init; }

    /// <summary>st_mtime when walked: what COPY gives the copied entry (never part of a checksum).</summary>
    public DateTimeOffset ModTime { get; init; } = DateTimeOffset.UnixEpoch;
}
