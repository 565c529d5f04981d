using System.Buffers.Binary;
using System.Text;

namespace Quai.Network.Netlink;

/// <summary>One message of a reply: its type and the payload after the 16-byte header.</summary>
public readonly record struct NetlinkReply(ushort Type, ushort Flags, uint Seq, byte[] Payload)
{
    /// <summary>Splits a datagram into its messages.</summary>
    public static List<NetlinkReply> Parse(ReadOnlySpan<byte> data)
    {
        var list = new List<NetlinkReply>();
        while (data.Length >= 16)
        {
            var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (len < 16 || len > data.Length) throw new InvalidDataException($"netlink reply: bad message length {len}");
            list.Add(new NetlinkReply(BinaryPrimitives.ReadUInt16LittleEndian(data[4..]), BinaryPrimitives.ReadUInt16LittleEndian(data[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[8..]), data[16..len].ToArray()));
            var next = (len + 3) & ~3;
            data = next >= data.Length ? [] : data[next..];
        }
        return list;
    }

    /// <summary>Route attributes after a fixed header of <paramref name="headerLen"/> bytes.</summary>
    public static Dictionary<ushort, byte[]> Attributes(ReadOnlySpan<byte> data)
    {
        var d = new Dictionary<ushort, byte[]>();
        while (data.Length >= 4)
        {
            var len = BinaryPrimitives.ReadUInt16LittleEndian(data);
            var type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(data[2..]) & 0x3FFF);
            if (len < 4 || len > data.Length) break;
            d.TryAdd(type, data[4..len].ToArray());
            var next = (len + 3) & ~3;
            data = next >= data.Length ? [] : data[next..];
        }
        return d;
    }

    public static string AttrString(byte[] v) => Encoding.UTF8.GetString(v).TrimEnd('\0');
}
