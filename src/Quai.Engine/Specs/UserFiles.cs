using System.Text;
using Quai.Fs;

namespace Quai.Engine.Specs;

/// <summary>A container's /etc/passwd and /etc/group, read inside its root (symlinks resolved in the root,
/// never on the host), refused unless regular files, capped in size: an image's /etc/passwd that is a link
/// to /dev/zero, a FIFO or a host file cannot exhaust memory, hang or resolve USER from the host.</summary>
public static class UserFiles
{
    public const int MaxBytes = 4 << 20;

    /// <summary>(passwd, group) text, null for a file that does not exist.</summary>
    public static (string? Passwd, string? Group) Read(InRoot root) => (ReadOne(root, "/etc/passwd"), ReadOne(root, "/etc/group"));

    private static string? ReadOne(InRoot root, string path)
        => root.TryReadFile(path, MaxBytes, followFinal: true) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
}
