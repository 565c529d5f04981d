using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Quai.Network.Dns;

/// <summary>Replies the embedded server builds itself: answers for container names, and error replies.
/// The question is copied from the query; answer records name it by a pointer to offset 12.</summary>
public static class DnsReply
{
    public const int RcodeNoError = 0, RcodeFormErr = 1, RcodeServFail = 2, RcodeNxDomain = 3, RcodeNotImp = 4;
    /// <summary>Docker's embedded DNS answers with a TTL of 600 seconds.</summary>
    public const uint Ttl = 600;
    /// <summary>The size of a plain UDP DNS message (RFC 1035); longer local answers are truncated with TC set.</summary>
    public const int UdpLimit = 512;

    private static ushort ReplyFlags(ushort queryFlags, int rcode, bool truncated = false) =>
        (ushort)(0x8000 /* QR */ | (queryFlags & 0x7800) /* opcode */ | (rcode is RcodeNoError or RcodeNxDomain ? 0x0400 : 0) /* AA */ | (truncated ? 0x0200 : 0)
                 | (queryFlags & 0x0100) /* RD */ | 0x0080 /* RA */ | (rcode & 0xF));

    /// <summary>An answer to <paramref name="q"/> from the addresses of a known name: A records for its
    /// IPv4 addresses to an A query, AAAA for IPv6 to an AAAA query, no records (NOERROR) otherwise.</summary>
    public static byte[] Answer(ReadOnlySpan<byte> query, DnsQuery q, IReadOnlyList<IPAddress> addresses, int limit = ushort.MaxValue)
    {
        var family = q.Type switch { DnsQuery.TypeA => AddressFamily.InterNetwork, DnsQuery.TypeAAAA => AddressFamily.InterNetworkV6, _ => (AddressFamily?)null };
        var records = family is null || q.Class != DnsQuery.ClassIN ? [] : addresses.Where(a => a.AddressFamily == family).Distinct().ToList();
        var rdLength = family == AddressFamily.InterNetwork ? 4 : 16;
        var recordSize = 2 + 2 + 2 + 4 + 2 + rdLength;
        var room = Math.Max(0, (limit - q.QuestionEnd) / recordSize);
        var truncated = records.Count > room;
        var count = Math.Min(records.Count, room);
        var reply = new byte[q.QuestionEnd + count * recordSize];
        WriteHeader(reply, q.Id, ReplyFlags(q.Flags, RcodeNoError, truncated), 1, (ushort)count);
        query[DnsQuery.HeaderSize..q.QuestionEnd].CopyTo(reply.AsSpan(DnsQuery.HeaderSize));
        var at = q.QuestionEnd;
        foreach (var a in records.Take(count))
        {
            var r = reply.AsSpan(at);
            BinaryPrimitives.WriteUInt16BigEndian(r, 0xC000 | DnsQuery.HeaderSize); // the question's name
            BinaryPrimitives.WriteUInt16BigEndian(r[2..], q.Type);
            BinaryPrimitives.WriteUInt16BigEndian(r[4..], DnsQuery.ClassIN);
            BinaryPrimitives.WriteUInt32BigEndian(r[6..], Ttl);
            BinaryPrimitives.WriteUInt16BigEndian(r[10..], (ushort)rdLength);
            a.TryWriteBytes(r[12..], out _);
            at += recordSize;
        }
        return reply;
    }

    /// <summary>A reply with <paramref name="rcode"/> and the question copied (NXDOMAIN, SERVFAIL, NOTIMP).</summary>
    public static byte[] Error(ReadOnlySpan<byte> query, DnsQuery q, int rcode)
    {
        var reply = new byte[q.QuestionEnd];
        WriteHeader(reply, q.Id, ReplyFlags(q.Flags, rcode), 1, 0);
        query[DnsQuery.HeaderSize..q.QuestionEnd].CopyTo(reply.AsSpan(DnsQuery.HeaderSize));
        return reply;
    }

    /// <summary>A header-only reply (FORMERR to a query whose question cannot be read).</summary>
    public static byte[] HeaderOnly(ushort id, ushort queryFlags, int rcode)
    {
        var reply = new byte[DnsQuery.HeaderSize];
        WriteHeader(reply, id, ReplyFlags(queryFlags, rcode), 0, 0);
        return reply;
    }

    private static void WriteHeader(Span<byte> p, ushort id, ushort flags, ushort qd, ushort an)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p, id);
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], qd);
        BinaryPrimitives.WriteUInt16BigEndian(p[6..], an);
        BinaryPrimitives.WriteUInt16BigEndian(p[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], 0);
    }
}
