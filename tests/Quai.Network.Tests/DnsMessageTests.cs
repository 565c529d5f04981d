using System.Buffers.Binary;
using System.Net;
using Quai.Network.Dns;

namespace Quai.Network.Tests;

public class DnsMessageTests
{
    /// <summary>A query as a resolver sends it: header with RD, one question.</summary>
    internal static byte[] Query(string name, ushort type = DnsQuery.TypeA, ushort id = 0x1234, ushort qd = 1)
    {
        var q = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, (byte)(qd >> 8), (byte)qd, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            q.Add((byte)label.Length);
            q.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        q.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. q];
    }

    [Fact]
    public void ParsesTheQuestion()
    {
        var q = DnsQuery.TryParse(Query("Web.Example.ORG", DnsQuery.TypeAAAA))!;
        Assert.Equal(0x1234, q.Id);
        Assert.Equal("web.example.org", q.Name);
        Assert.True(q.NameIsPlain);
        Assert.True(q.RecursionDesired);
        Assert.False(q.IsResponse);
        Assert.Equal(DnsQuery.TypeAAAA, q.Type);
        Assert.Equal(DnsQuery.ClassIN, q.Class);
        Assert.Equal(Query("web.example.org").Length, q.QuestionEnd);
    }

    [Fact]
    public void ParsesACompressionPointerThatPointsBack()
    {
        // header, then "a.b" at 12, then a second name "x" + pointer to "b" (offset 14): read from there
        byte[] p = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 1, (byte)'b', 0, 1, (byte)'x', 0xC0, 14];
        var at = 17;
        Assert.True(DnsQuery.TryReadName(p, ref at, out var name, out _));
        Assert.Equal("x.b", name);
        Assert.Equal(p.Length, at);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0 })] // short header
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 })] // no question although qdcount 1
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'b' })] // label past the end
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1 })] // type/class cut
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1 })] // pointer to itself
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0xC0, 12, 0, 1, 0, 1 })] // forward pointer, loop
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0 })] // half a pointer
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1 })] // extended label type
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 })] // qdcount 0
    public void MalformedQueriesAreRefusedNotThrown(byte[] packet) => Assert.Null(DnsQuery.TryParse(packet));

    [Fact]
    public void HugeCountsOnlyReadTheFirstQuestion()
    {
        var p = Query("a.b");
        p[4] = p[5] = 0xFF; // qdcount 65535
        p[6] = p[7] = p[8] = p[9] = p[10] = p[11] = 0xFF;
        var q = DnsQuery.TryParse(p)!;
        Assert.Equal("a.b", q.Name);
        Assert.Equal(0xFFFF, q.QuestionCount);
    }

    [Fact]
    public void NamesOverTheLimitAreRefused()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 5)); // 320 bytes > 255
        Assert.Null(DnsQuery.TryParse(Query(name)));
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var rng = new Random(42);
        for (var i = 0; i < 20000; i++)
        {
            var p = new byte[rng.Next(0, 80)];
            rng.NextBytes(p);
            if (p.Length > 12 && rng.Next(2) == 0) p[12] = 0xC0; // often start with a pointer
            var q = DnsQuery.TryParse(p);
            if (q is not null) _ = DnsReply.Answer(p, q, [IPAddress.Loopback]);
        }
    }

    [Fact]
    public void LabelsWithDotsOrControlBytesAreNotPlain()
    {
        byte[] p = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'.', (byte)'b', 0, 0, 1, 0, 1];
        Assert.False(DnsQuery.TryParse(p)!.NameIsPlain);
    }

    [Fact]
    public void AnswersAWithTheV4AddressesOnly()
    {
        var query = Query("web");
        var q = DnsQuery.TryParse(query)!;
        var r = DnsReply.Answer(query, q, [IPAddress.Parse("10.1.0.2"), IPAddress.Parse("fd00::2"), IPAddress.Parse("10.1.0.3")]);
        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(r));
        var flags = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2));
        Assert.Equal(0x8000, flags & 0x8000); // a response
        Assert.Equal(0x0100, flags & 0x0100); // RD echoed
        Assert.Equal(0x0080, flags & 0x0080); // RA
        Assert.Equal(0, flags & 0xF);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6)));
        Assert.Equal(query.AsSpan(12).ToArray(), r.AsSpan(12, query.Length - 12).ToArray());
        var rec = r.AsSpan(query.Length);
        Assert.Equal(0xC00C, BinaryPrimitives.ReadUInt16BigEndian(rec));
        Assert.Equal(DnsQuery.TypeA, BinaryPrimitives.ReadUInt16BigEndian(rec[2..]));
        Assert.Equal(600u, BinaryPrimitives.ReadUInt32BigEndian(rec[6..]));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16BigEndian(rec[10..]));
        Assert.Equal(new byte[] { 10, 1, 0, 2 }, rec.Slice(12, 4).ToArray());
        Assert.Equal(new byte[] { 10, 1, 0, 3 }, rec.Slice(28, 4).ToArray());
        Assert.Equal(query.Length + 32, r.Length);
    }

    [Fact]
    public void AnswersAAAAAndNothingForOtherTypes()
    {
        var query = Query("web", DnsQuery.TypeAAAA);
        var r = DnsReply.Answer(query, DnsQuery.TryParse(query)!, [IPAddress.Parse("10.1.0.2"), IPAddress.Parse("fd00::2")]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6)));
        Assert.Equal(IPAddress.Parse("fd00::2").GetAddressBytes(), r.AsSpan(query.Length + 12, 16).ToArray());

        var mx = Query("web", 15);
        var empty = DnsReply.Answer(mx, DnsQuery.TryParse(mx)!, [IPAddress.Parse("10.1.0.2")]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(empty.AsSpan(6)));
        Assert.Equal(0, empty[3] & 0xF); // NOERROR
        Assert.Equal(mx.Length, empty.Length);
    }

    [Fact]
    public void UdpAnswersOverTheLimitAreTruncatedWithTC()
    {
        var query = Query("many");
        var addresses = Enumerable.Range(1, 60).Select(i => IPAddress.Parse($"10.0.0.{i}")).ToList();
        var r = DnsReply.Answer(query, DnsQuery.TryParse(query)!, addresses, DnsReply.UdpLimit);
        Assert.True(r.Length <= DnsReply.UdpLimit);
        Assert.Equal(0x02, r[2] & 0x02); // TC
        Assert.Equal((DnsReply.UdpLimit - query.Length) / 16, BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6)));
    }

    [Theory]
    [InlineData(DnsReply.RcodeNxDomain)]
    [InlineData(DnsReply.RcodeServFail)]
    public void ErrorRepliesCarryTheRcodeAndTheQuestion(int rcode)
    {
        var query = Query("nope.example");
        var r = DnsReply.Error(query, DnsQuery.TryParse(query)!, rcode);
        Assert.Equal(rcode, r[3] & 0xF);
        Assert.Equal(0x80, r[2] & 0x80);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(4)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6)));
        Assert.Equal(query.AsSpan(12).ToArray(), r.AsSpan(12).ToArray());
    }
}
