using System.Buffers.Binary;
using System.Text;

namespace Quai.Network.Dns;

/// <summary>The parts of a DNS query the embedded server reads (RFC 1035 §4.1): the header and the
/// first question. Parsing is bounds-checked throughout: a truncated packet, a compression pointer
/// loop, a label past the end or absurd counts give <c>null</c>, never an exception.</summary>
public sealed class DnsQuery
{
    public const int HeaderSize = 12;
    public const ushort TypeA = 1, TypeAAAA = 28, ClassIN = 1;
    private const int MaxNameLength = 255;

    public ushort Id { get; private init; }
    /// <summary>The header's flags word (QR, opcode, AA, TC, RD, RA, Z, RCODE).</summary>
    public ushort Flags { get; private init; }
    public int Opcode => (Flags >> 11) & 0xF;
    public bool IsResponse => (Flags & 0x8000) != 0;
    public bool RecursionDesired => (Flags & 0x0100) != 0;
    public ushort QuestionCount { get; private init; }
    /// <summary>The question's name, lower-cased, without the trailing dot ("" for the root).</summary>
    public string Name { get; private init; } = "";
    /// <summary>False when a label holds a dot or a byte outside printable ASCII: such a name is never a
    /// container's, so it is only ever relayed.</summary>
    public bool NameIsPlain { get; private init; }
    public ushort Type { get; private init; }
    public ushort Class { get; private init; }
    /// <summary>Offset just past the first question: bytes [12, QuestionEnd) are copied into answers.</summary>
    public int QuestionEnd { get; private init; }

    /// <summary>Reads the header only (for error replies to a packet whose question is unreadable).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> p, out ushort id, out ushort flags)
    {
        id = flags = 0;
        if (p.Length < HeaderSize) return false;
        id = BinaryPrimitives.ReadUInt16BigEndian(p);
        flags = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        return true;
    }

    /// <summary>The query in <paramref name="p"/>, or null when it is not a readable query with at least one question.</summary>
    public static DnsQuery? TryParse(ReadOnlySpan<byte> p)
    {
        if (!TryReadHeader(p, out var id, out var flags)) return null;
        var qd = BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
        if (qd == 0) return null;
        var at = HeaderSize;
        if (!TryReadName(p, ref at, out var name, out var plain)) return null;
        if (at + 4 > p.Length) return null;
        var type = BinaryPrimitives.ReadUInt16BigEndian(p[at..]);
        var cls = BinaryPrimitives.ReadUInt16BigEndian(p[(at + 2)..]);
        return new DnsQuery
        {
            Id = id, Flags = flags, QuestionCount = qd, Name = name, NameIsPlain = plain,
            Type = type, Class = cls, QuestionEnd = at + 4,
        };
    }

    /// <summary>Reads a (possibly compressed) name starting at <paramref name="at"/>, which moves past it.
    /// A pointer must point strictly before the place it was read from, so pointer chains always end.</summary>
    internal static bool TryReadName(ReadOnlySpan<byte> p, ref int at, out string name, out bool plain)
    {
        name = "";
        plain = true;
        var sb = new StringBuilder();
        var pos = at;
        var end = -1; // where the caller resumes: just past the first pointer, or past the final zero
        var length = 0;
        while (true)
        {
            if (pos >= p.Length) return false;
            var len = p[pos];
            if ((len & 0xC0) == 0xC0)
            {
                if (pos + 1 >= p.Length) return false;
                var target = ((len & 0x3F) << 8) | p[pos + 1];
                if (target >= pos) return false; // forward or self pointer: a loop or garbage
                if (end < 0) end = pos + 2;
                pos = target;
                continue;
            }
            if ((len & 0xC0) != 0) return false; // 0x40/0x80: extended label types, obsolete
            if (len == 0)
            {
                if (end < 0) end = pos + 1;
                break;
            }
            if (pos + 1 + len > p.Length) return false;
            length += len + 1;
            if (length > MaxNameLength) return false;
            if (sb.Length > 0) sb.Append('.');
            foreach (var b in p.Slice(pos + 1, len))
            {
                if (b is <= 0x20 or >= 0x7F or (byte)'.') plain = false;
                sb.Append(b is >= (byte)'A' and <= (byte)'Z' ? (char)(b + 32) : (char)b);
            }
            pos += 1 + len;
        }
        at = end;
        name = sb.ToString();
        return true;
    }
}
