using System.Runtime.InteropServices;
using System.Text;
using Quai.Interop;

namespace Quai.Runtime.Terminal;

/// <summary>--console-socket: the pty master travels to the caller over a unix socket as
/// SCM_RIGHTS, with the pty's name as the message body (what runc sends).</summary>
public static unsafe class ConsoleSocket
{
    private const int AfUnix = 1, SockStream = 1, SockCloexec = 0x80000, SolSocket = 1, ScmRights = 1;

    public static int Connect(string path)
    {
        var fd = Libc.Socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0) throw ErrnoException.FromLast("socket for console socket");
        var addr = new byte[110];
        addr[0] = AfUnix;
        var pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length > 107) throw new ArgumentException($"console socket path {path} is too long");
        pathBytes.CopyTo(addr, 2);
        fixed (byte* a = addr)
        {
            if (Libc.Connect(fd, a, 2 + pathBytes.Length + 1) < 0)
            {
                var e = Marshal.GetLastPInvokeError();
                Libc.Close(fd);
                throw new ErrnoException($"connect to console socket {path}", e);
            }
        }
        return fd;
    }

    public static void SendFd(int socket, int fd, string name)
    {
        var body = Encoding.UTF8.GetBytes(name);
        var control = stackalloc byte[24]; // CMSG_SPACE(sizeof(int))
        new Span<byte>(control, 24).Clear();
        *(ulong*)control = 20; // cmsg_len = CMSG_LEN(4)
        *(int*)(control + 8) = SolSocket;
        *(int*)(control + 12) = ScmRights;
        *(int*)(control + 16) = fd;
        fixed (byte* b = body)
        {
            var iov = new Libc.IoVec { Base = b, Len = (nuint)body.Length };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 24 };
            if (Libc.SendMsg(socket, &msg, 0) < 0) throw ErrnoException.FromLast("send pty master over console socket");
        }
    }

    /// <summary>Receives one fd (and the message text) from a connected socket.</summary>
    public static (int Fd, string Name) ReceiveFd(int socket)
    {
        var body = new byte[4096];
        var control = stackalloc byte[64];
        fixed (byte* b = body)
        {
            var iov = new Libc.IoVec { Base = b, Len = (nuint)body.Length };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
            var n = Libc.RecvMsg(socket, &msg, SockCloexec == 0 ? 0 : 0x40000000 /* MSG_CMSG_CLOEXEC */);
            if (n < 0) throw ErrnoException.FromLast("receive fd over unix socket");
            if (msg.ControlLen < 20 || *(int*)(control + 12) != ScmRights)
                throw new IOException("receive fd over unix socket: no SCM_RIGHTS message");
            return (*(int*)(control + 16), Encoding.UTF8.GetString(body, 0, (int)n));
        }
    }
}
