using System.Buffers.Binary;
using System.Text;

namespace Quai.Network.Netlink;

/// <summary>Builds one rtnetlink request: the 16-byte nlmsghdr, a fixed family header
/// (ifinfomsg, ifaddrmsg, rtmsg) and route attributes (rtattr: length, type, payload, 4-byte
/// aligned), nested ones included. Little-endian host order, as the kernel reads them on x86_64/arm64.</summary>
public sealed class NetlinkMessage
{
    private readonly List<byte> _buf = new(256);
    private readonly Stack<int> _nests = new();

    public ushort Type { get; }
    public ushort Flags { get; }

    public NetlinkMessage(ushort type, ushort flags)
    {
        Type = type;
        Flags = flags;
        _buf.AddRange(new byte[16]);
    }

    public NetlinkMessage Bytes(ReadOnlySpan<byte> b) { foreach (var x in b) _buf.Add(x); return this; }

    private void Align() { while (_buf.Count % 4 != 0) _buf.Add(0); }

    /// <summary>ifinfomsg: family, pad, type, index, flags, change.</summary>
    public NetlinkMessage IfInfo(int index = 0, uint flags = 0, uint change = 0, byte family = 0)
    {
        Span<byte> h = stackalloc byte[16];
        h[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], change);
        return Bytes(h);
    }

    /// <summary>ifaddrmsg: family, prefix length, flags, scope, index.</summary>
    public NetlinkMessage IfAddr(byte family, byte prefixLen, int index, byte flags = 0, byte scope = 0)
    {
        Span<byte> h = stackalloc byte[8];
        h[0] = family; h[1] = prefixLen; h[2] = flags; h[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
        return Bytes(h);
    }

    /// <summary>rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.</summary>
    public NetlinkMessage RtMsg(byte family, byte dstLen, byte table, byte protocol, byte scope, byte type)
    {
        Span<byte> h = stackalloc byte[12];
        h[0] = family; h[1] = dstLen; h[4] = table; h[5] = protocol; h[6] = scope; h[7] = type;
        return Bytes(h);
    }

    public NetlinkMessage Attr(ushort type, ReadOnlySpan<byte> payload)
    {
        Align();
        Span<byte> h = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(4 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], type);
        Bytes(h).Bytes(payload);
        Align();
        return this;
    }

    public NetlinkMessage Attr(ushort type, string value)
    {
        var b = Encoding.UTF8.GetBytes(value + "\0");
        return Attr(type, b);
    }

    public NetlinkMessage AttrU32(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return Attr(type, b);
    }

    public NetlinkMessage AttrU16(ushort type, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        return Attr(type, b);
    }

    public NetlinkMessage AttrU8(ushort type, byte value) => Attr(type, [value]);

    /// <summary>Opens a nested attribute; <see cref="EndNest"/> writes its length.</summary>
    public NetlinkMessage BeginNest(ushort type)
    {
        Align();
        _nests.Push(_buf.Count);
        Span<byte> h = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)(type | Nl.NLA_F_NESTED));
        return Bytes(h);
    }

    public NetlinkMessage EndNest()
    {
        Align();
        var start = _nests.Pop();
        var len = (ushort)(_buf.Count - start);
        _buf[start] = (byte)len;
        _buf[start + 1] = (byte)(len >> 8);
        return this;
    }

    /// <summary>The finished message with its header (length, type, flags, sequence, port 0).</summary>
    public byte[] Encode(uint seq)
    {
        if (_nests.Count > 0) throw new InvalidOperationException("netlink message: unclosed nested attribute");
        Align();
        var b = _buf.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)b.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), Type);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), seq);
        return b;
    }
}
