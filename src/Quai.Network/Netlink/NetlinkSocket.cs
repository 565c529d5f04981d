using System.Buffers.Binary;
using Quai.Interop;

namespace Quai.Network.Netlink;

/// <summary>An rtnetlink socket. A netlink socket acts on the network namespace it was opened in,
/// whatever namespace its thread moves to later: <see cref="Netns.NetnsFile.OpenNetlink"/> opens one
/// inside a container's namespace. Requests are synchronous: send, then read until the kernel's ack.</summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    private int _fd;
    private uint _seq = (uint)Environment.TickCount;

    public NetlinkSocket()
    {
        _fd = Libc.Socket(Nl.AF_NETLINK, 3 /* SOCK_RAW */ | 0x80000 /* SOCK_CLOEXEC */, Nl.NETLINK_ROUTE);
        if (_fd < 0) throw ErrnoException.FromLast("socket(AF_NETLINK, NETLINK_ROUTE)");
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }

    /// <summary>Sends a request with NLM_F_ACK and waits for its ack; an error ack throws, naming
    /// <paramref name="what"/>.</summary>
    public void Request(NetlinkMessage m, string what) => Exchange(m, what, dump: false);

    /// <summary>A dump request (NLM_F_DUMP): every message of the reply.</summary>
    public List<NetlinkReply> Dump(NetlinkMessage m, string what) => Exchange(m, what, dump: true);

    private List<NetlinkReply> Exchange(NetlinkMessage m, string what, bool dump)
    {
        var seq = ++_seq;
        var bytes = m.Encode(seq);
        fixed (byte* p = bytes)
        {
            nint n;
            do n = Libc.Write(_fd, p, bytes.Length); while (n < 0 && Libc.LastErrno == Errno.EINTR);
            if (n < 0) throw ErrnoException.FromLast($"netlink send ({what})");
        }
        var result = new List<NetlinkReply>();
        var buf = new byte[65536];
        while (true)
        {
            nint n;
            fixed (byte* p = buf)
                do n = Libc.Read(_fd, p, buf.Length); while (n < 0 && Libc.LastErrno == Errno.EINTR);
            if (n < 0) throw ErrnoException.FromLast($"netlink receive ({what})");
            foreach (var r in NetlinkReply.Parse(buf.AsSpan(0, (int)n)))
            {
                if (r.Seq != seq) continue;
                if (r.Type == Nl.NLMSG_ERROR)
                {
                    var err = -BinaryPrimitives.ReadInt32LittleEndian(r.Payload);
                    if (err != 0) throw new ErrnoException(what, err);
                    return result;
                }
                if (r.Type == Nl.NLMSG_DONE) return result;
                result.Add(r);
                if (!dump) continue;
            }
        }
    }
}
