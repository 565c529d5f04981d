using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Quai.Interop;

namespace Quai.Runtime.Launch;

/// <summary>The init socket between `quai-runtime` and a container's init. The native stage
/// (native/nsexec.c) sends 8-byte messages {type, value}; the C# stages add a length-prefixed
/// payload. The layout is shared with native/quai.h.</summary>
public sealed unsafe class InitChannel(int fd) : IDisposable
{
    public const uint UsermapReq = 1, UsermapAck = 2, ChildPid = 3, Error = 4,
        Config = 10, HooksRequest = 11, HooksDone = 12, Ready = 13;

    public int Fd { get; } = fd;

    /// <summary>Sends a message without payload. The native stage's message types are bare
    /// headers; the C# ones always carry a (here empty) length-prefixed payload.</summary>
    public void Send(uint type, int value)
    {
        if (IsBare(type)) WriteAll(Header(type, value));
        else Send(type, value, ReadOnlySpan<byte>.Empty);
    }

    private static bool IsBare(uint type) => type is UsermapReq or UsermapAck or ChildPid;

    public void Send(uint type, int value, ReadOnlySpan<byte> payload)
    {
        var buf = new byte[12 + payload.Length];
        Header(type, value).CopyTo(buf, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(8), (uint)payload.Length);
        payload.CopyTo(buf.AsSpan(12));
        WriteAll(buf);
    }

    public void SendError(string message, int errno = 0) => Send(Error, errno, Encoding.UTF8.GetBytes(message));

    /// <summary>Reads one message; null at end of stream. Messages carrying a payload are those
    /// of the C# stages and the native error message.</summary>
    public (uint Type, int Value, byte[] Payload)? Receive()
    {
        var head = new byte[8];
        if (!ReadAll(head, allowEof: true)) return null;
        var type = BinaryPrimitives.ReadUInt32LittleEndian(head);
        var value = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4));
        if (IsBare(type)) return (type, value, []);
        var lenBuf = new byte[4];
        ReadAll(lenBuf, allowEof: false);
        var len = BinaryPrimitives.ReadUInt32LittleEndian(lenBuf);
        if (len > 64 << 20) throw new InvalidDataException($"init socket: message of {len} bytes");
        var payload = new byte[len];
        ReadAll(payload, allowEof: false);
        return (type, value, payload);
    }

    private static byte[] Header(uint type, int value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(b, type);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), value);
        return b;
    }

    private void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = Libc.Write(Fd, p + off, data.Length - off);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    throw ErrnoException.FromLast("write init socket");
                }
                off += (int)n;
            }
        }
    }

    private bool ReadAll(Span<byte> buf, bool allowEof)
    {
        fixed (byte* p = buf)
        {
            var off = 0;
            while (off < buf.Length)
            {
                var n = Libc.Read(Fd, p + off, buf.Length - off);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    throw ErrnoException.FromLast("read init socket");
                }
                if (n == 0)
                {
                    if (allowEof && off == 0) return false;
                    throw new EndOfStreamException("init socket closed in the middle of a message");
                }
                off += (int)n;
            }
        }
        return true;
    }

    public void Dispose() => Libc.Close(Fd);
}
