namespace Quai.Build.Context;

/// <summary>What a <see cref="ContextEntry"/> is (its lstat type: a symlink is never followed to find out).</summary>
public enum ContextEntryType
{
    /// <summary>A regular file.</summary>
    File,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A symbolic link, reported with its target and never read through.</summary>
    Symlink,
    /// <summary>A character device node.</summary>
    CharDevice,
    /// <summary>A block device node.</summary>
    BlockDevice,
    /// <summary>A FIFO.</summary>
    Fifo,
}
