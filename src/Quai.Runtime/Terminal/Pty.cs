using Quai.Interop;

namespace Quai.Runtime.Terminal;

/// <summary>Allocates a pty from a devpts instance and makes its slave a process's controlling
/// terminal.</summary>
public static unsafe class Pty
{
    private const ulong TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCSCTTY = 0x540E, TIOCSWINSZ = 0x5414,
        TIOCGPTPEER = 0x5441;

    /// <summary>Opens a new pty through <paramref name="ptmxPath"/>; returns master fd, slave fd and
    /// the slave's path in the container (/dev/pts/N).</summary>
    public static (int Master, int Slave, string SlaveName) Open(int ptmxFd)
    {
        var master = ptmxFd;
        int unlock = 0;
        if (Libc.Ioctl(master, TIOCSPTLCK, &unlock) < 0) throw ErrnoException.FromLast("unlock pty");
        int n;
        if (Libc.Ioctl(master, TIOCGPTN, &n) < 0) throw ErrnoException.FromLast("get pty number");
        // TIOCGPTPEER opens the slave relative to the master's devpts instance, with no path lookup.
        var slave = Libc.Ioctl(master, TIOCGPTPEER, (void*)(O.RDWR | O.NOCTTY | O.CLOEXEC));
        if (slave < 0) throw ErrnoException.FromLast($"open pty slave /dev/pts/{n}");
        return (master, slave, $"/dev/pts/{n}");
    }

    public static void SetSize(int fd, uint rows, uint cols)
    {
        var ws = stackalloc ushort[4];
        ws[0] = (ushort)rows;
        ws[1] = (ushort)cols;
        ws[2] = 0;
        ws[3] = 0;
        if (Libc.Ioctl(fd, TIOCSWINSZ, ws) < 0) throw ErrnoException.FromLast("set terminal size");
    }

    public static void MakeControlling(int slave)
    {
        if (Libc.Ioctl(slave, TIOCSCTTY, null) < 0) throw ErrnoException.FromLast("make pty the controlling terminal");
    }
}
