using System.Runtime.InteropServices;

namespace Quai.Interop;

/// <summary>Puts a terminal in raw mode (cfmakeraw) and restores it: what `docker run -it` and `attach` do with
/// the user's terminal while keystrokes go to the container's pty.</summary>
public static unsafe partial class RawTerminal
{
    public static bool IsTerminal(int fd) => IsATty(fd) == 1;

    /// <summary>Switches <paramref name="fd"/> to raw mode; returns the settings to give back to
    /// <see cref="Restore"/>, or null when it is not a terminal (nothing changed).</summary>
    public static byte[]? Enter(int fd)
    {
        if (IsATty(fd) != 1) return null;
        var saved = new byte[64]; // struct termios is 60 bytes on Linux
        var raw = new byte[64];
        fixed (byte* sp = saved, rp = raw)
        {
            if (TcGetAttr(fd, sp) != 0) return null;
            Buffer.MemoryCopy(sp, rp, 64, 64);
            CfMakeRaw(rp);
            TcSetAttr(fd, 0 /* TCSANOW */, rp);
        }
        return saved;
    }

    /// <summary>The window size of the terminal on <paramref name="fd"/> (TIOCGWINSZ), null when it is not one.</summary>
    public static (ushort Rows, ushort Cols)? Size(int fd)
    {
        var ws = stackalloc ushort[4];
        if (Libc.Ioctl(fd, 0x5413 /* TIOCGWINSZ */, ws) != 0 || ws[0] == 0 || ws[1] == 0) return null;
        return (ws[0], ws[1]);
    }

    /// <summary>Sets the window size of the terminal (a pty master) on <paramref name="fd"/> (TIOCSWINSZ): the kernel
    /// sends SIGWINCH to its foreground process group.</summary>
    public static bool SetSize(int fd, ushort rows, ushort cols)
    {
        var ws = stackalloc ushort[4];
        ws[0] = rows;
        ws[1] = cols;
        return Libc.Ioctl(fd, 0x5414 /* TIOCSWINSZ */, ws) == 0;
    }

    public static void Restore(int fd, byte[]? saved)
    {
        if (saved is null) return;
        fixed (byte* sp = saved) TcSetAttr(fd, 0, sp);
    }

    [LibraryImport("libc", EntryPoint = "isatty")] private static partial int IsATty(int fd);
    [LibraryImport("libc", EntryPoint = "tcgetattr")] private static partial int TcGetAttr(int fd, byte* t);
    [LibraryImport("libc", EntryPoint = "tcsetattr")] private static partial int TcSetAttr(int fd, int when, byte* t);
    [LibraryImport("libc", EntryPoint = "cfmakeraw")] private static partial void CfMakeRaw(byte* t);
}
