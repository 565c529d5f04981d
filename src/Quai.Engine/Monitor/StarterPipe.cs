using System.Text;
using Quai.Interop;

namespace Quai.Engine.Monitor;

/// <summary>The pipe to the process that started the monitor (<see cref="ContainerEngine.Start"/>), the monitor's
/// fd 1: one line per step ("created", "started PID", "error CODE MESSAGE") until the container runs, then closed
/// (fd 1 pointed at /dev/null) so a starter reading to EOF is never held for the container's life.</summary>
public sealed unsafe class StarterPipe
{
    private bool _open = true;

    public void Say(string line)
    {
        if (!_open) return;
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        fixed (byte* b = bytes) Libc.Write(1, b, bytes.Length);
    }

    /// <summary>Whether the starter closed its end (it died, or gave up): poll reports POLLERR on a pipe's write
    /// end once the read end is closed.</summary>
    public bool StarterGone()
    {
        if (!_open) return false;
        var pfd = new Libc.PollFd { Fd = 1, Events = 0 };
        return Libc.Poll(&pfd, 1, 0) > 0 && (pfd.Revents & (0x8 /* POLLERR */ | 0x10 /* POLLHUP */)) != 0;
    }

    public void Close()
    {
        if (!_open) return;
        _open = false;
        var devnull = Libc.Open("/dev/null", O.RDWR | O.CLOEXEC, 0);
        Libc.Dup2(devnull, 1);
        Libc.Close(devnull);
    }
}
