using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Quai.Network.Dns;

namespace Quai.Network.IntegrationTests;

/// <summary>The embedded DNS server inside a namespace of the test's own: names it knows are answered
/// there, others are relayed to an upstream stub listening on the host side (on the host's loopback, out of
/// the namespace's reach, so an answer from it proves the relay ran outside the namespace).</summary>
public sealed class EmbeddedDnsTests : IDisposable
{
    private readonly TestNetns _ns = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<IPAddress>> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly UpstreamStub _upstream = new();

    public void Dispose()
    {
        EmbeddedDns.UpstreamTimeout = TimeSpan.FromSeconds(2);
        _upstream.Dispose();
        _ns.Dispose();
    }

    private EmbeddedDns Start(params IPEndPoint[] upstream) =>
        EmbeddedDns.Start(_ns.Path, n => _names.TryGetValue(n, out var a) ? a : [], upstream);

    private static byte[] Query(string name, ushort type = DnsQuery.TypeA, ushort id = 0x4242)
    {
        var q = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }
        q.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. q];
    }

    /// <summary>Sends a query over UDP from a socket created inside the namespace, resending it each second
    /// as resolvers do (a burst can overflow the server's receive queue: the kernel drops, UDP is lossy).</summary>
    private byte[] AskUdp(byte[] query)
    {
        using var s = _ns.In(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        s.ReceiveTimeout = 1000;
        s.Connect(new IPEndPoint(EmbeddedDns.Address, 53));
        var buf = new byte[4096];
        for (var attempt = 1; ; attempt++)
        {
            s.Send(query);
            try { return buf[..s.Receive(buf)]; }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut && attempt < 8) { }
        }
    }

    private byte[] AskTcp(byte[] query)
    {
        using var s = _ns.In(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        s.ReceiveTimeout = 8000;
        s.Connect(new IPEndPoint(EmbeddedDns.Address, 53));
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        s.Send(framed);
        var len = new byte[2];
        ReadExactly(s, len);
        var msg = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
        ReadExactly(s, msg);
        return msg;
    }

    private static void ReadExactly(Socket s, byte[] buf)
    {
        for (var got = 0; got < buf.Length;)
        {
            var n = s.Receive(buf, got, buf.Length - got, SocketFlags.None);
            if (n == 0) throw new IOException("connection closed");
            got += n;
        }
    }

    private static int Rcode(byte[] r) => r[3] & 0xF;
    private static int Answers(byte[] r) => BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(6));

    [Fact]
    public void AnswersKnownNamesAndFollowsChanges()
    {
        _names["web"] = [IPAddress.Parse("10.89.0.2"), IPAddress.Parse("fd00:89::2")];
        using var dns = Start(_upstream.Endpoint);
        var query = Query("WEB");
        var r = AskUdp(query);
        Assert.Equal(0x4242, BinaryPrimitives.ReadUInt16BigEndian(r));
        Assert.Equal(0, Rcode(r));
        Assert.Equal(1, Answers(r));
        Assert.Equal(new byte[] { 10, 89, 0, 2 }, r[^4..]);

        var v6 = AskUdp(Query("web", DnsQuery.TypeAAAA));
        Assert.Equal(1, Answers(v6));
        Assert.Equal(IPAddress.Parse("fd00:89::2").GetAddressBytes(), v6[^16..]);

        // a container coming: the next query sees it, without a restart of the server
        _names["db"] = [IPAddress.Parse("10.89.0.3")];
        Assert.Equal(new byte[] { 10, 89, 0, 3 }, AskUdp(Query("db"))[^4..]);
        Assert.Equal(0, _upstream.Queries); // nothing known was relayed

        // a real resolver client in the namespace gets the same answer
        var (code, o) = TestNetns.InNs(_ns.Path, "busybox", "nslookup", "db", "127.0.0.11");
        Assert.True(code == 0, o);
        Assert.Contains("10.89.0.3", o);
    }

    [Fact]
    public void RelaysUnknownNamesToTheUpstreamOnTheHostSide()
    {
        using var dns = Start(_upstream.Endpoint);
        var r = AskUdp(Query("example.org", id: 0x0707));
        Assert.Equal(0x0707, BinaryPrimitives.ReadUInt16BigEndian(r));
        Assert.Equal(0, Rcode(r));
        Assert.Equal(UpstreamStub.Answer.GetAddressBytes(), r[^4..]);
        Assert.True(_upstream.Queries >= 1);
        // the namespace itself cannot reach the stub: the relay ran on the host side
        Assert.NotEqual(0, TestNetns.InNs(_ns.Path, "busybox", "nslookup", "-port=" + _upstream.Endpoint.Port, "example.org", "127.0.0.1").Code);
    }

    [Fact]
    public void TriesTheNextUpstreamAndFailsWithServfailWhenNoneAnswers()
    {
        EmbeddedDns.UpstreamTimeout = TimeSpan.FromMilliseconds(500);
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // receives, never answers
        var dead = (IPEndPoint)silent.LocalEndPoint!;
        using (var dns = Start(dead, _upstream.Endpoint))
            Assert.Equal(UpstreamStub.Answer.GetAddressBytes(), AskUdp(Query("example.org"))[^4..]);
        using (var dns = Start(dead))
            Assert.Equal(DnsReply.RcodeServFail, Rcode(AskUdp(Query("example.org"))));
        using (var dns = Start())
            Assert.Equal(DnsReply.RcodeServFail, Rcode(AskUdp(Query("example.org"))));
    }

    [Fact]
    public void ServesTcpAndRelaysOverTcp()
    {
        _names["web"] = [IPAddress.Parse("10.89.0.2")];
        using var dns = Start(_upstream.Endpoint);
        var local = AskTcp(Query("web"));
        Assert.Equal(new byte[] { 10, 89, 0, 2 }, local[^4..]);
        var relayed = AskTcp(Query("example.org", id: 0x0909));
        Assert.Equal(0x0909, BinaryPrimitives.ReadUInt16BigEndian(relayed));
        Assert.Equal(UpstreamStub.Answer.GetAddressBytes(), relayed[^4..]);
        Assert.Equal(1, _upstream.TcpQueries);
    }

    [Fact]
    public void SurvivesGarbageAndStopsCleanly()
    {
        _names["web"] = [IPAddress.Parse("10.89.0.2")];
        var dns = Start(_upstream.Endpoint);
        using (var s = _ns.In(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)))
        {
            s.Connect(new IPEndPoint(EmbeddedDns.Address, 53));
            var rng = new Random(7);
            for (var i = 0; i < 300; i++)
            {
                var p = new byte[rng.Next(0, 64)];
                rng.NextBytes(p);
                if (p.Length > 2) p[2] &= 0x7F; // a query, not a response
                s.Send(p);
            }
            s.Send([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]); // pointer loop
        }
        Assert.Equal(new byte[] { 10, 89, 0, 2 }, AskUdp(Query("web"))[^4..]);
        dns.Dispose();
        // the ports are free again: a new server binds them
        using var again = Start(_upstream.Endpoint);
        Assert.Equal(new byte[] { 10, 89, 0, 2 }, AskUdp(Query("web"))[^4..]);
    }

    [Fact]
    public void AddsTheAddressWhenLoopbackIsDown()
    {
        TestNetns.Sh("ip", "-n", _ns.Name, "link", "set", "lo", "down");
        _names["web"] = [IPAddress.Parse("10.89.0.2")];
        using var dns = Start(_upstream.Endpoint);
        Assert.Equal(new byte[] { 10, 89, 0, 2 }, AskUdp(Query("web"))[^4..]);
    }

    /// <summary>An upstream DNS server on the host's loopback (UDP and TCP, one port) answering every
    /// question with an A record of 192.0.2.53.</summary>
    private sealed class UpstreamStub : IDisposable
    {
        public static readonly IPAddress Answer = IPAddress.Parse("192.0.2.53");
        private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Socket _tcp = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly Thread _udpThread, _tcpThread;
        private int _queries, _tcpQueries;
        public IPEndPoint Endpoint { get; }
        public int Queries => Volatile.Read(ref _queries);
        public int TcpQueries => Volatile.Read(ref _tcpQueries);

        public UpstreamStub()
        {
            _tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Endpoint = (IPEndPoint)_tcp.LocalEndPoint!;
            _udp.Bind(Endpoint);
            _tcp.Listen(8);
            _udpThread = new Thread(() =>
            {
                var buf = new byte[4096];
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                try
                {
                    while (true)
                    {
                        var n = _udp.ReceiveFrom(buf, ref from);
                        Interlocked.Increment(ref _queries);
                        _udp.SendTo(Reply(buf[..n]), from);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            }) { IsBackground = true };
            _tcpThread = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        using var c = _tcp.Accept();
                        var len = new byte[2];
                        ReadExactly(c, len);
                        var q = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
                        ReadExactly(c, q);
                        Interlocked.Increment(ref _tcpQueries);
                        var r = Reply(q);
                        var framed = new byte[r.Length + 2];
                        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)r.Length);
                        r.CopyTo(framed, 2);
                        c.Send(framed);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException) { }
            }) { IsBackground = true };
            _udpThread.Start();
            _tcpThread.Start();
        }

        private static byte[] Reply(byte[] query)
        {
            var q = DnsQuery.TryParse(query)!;
            return DnsReply.Answer(query, q, [Answer]);
        }

        public void Dispose()
        {
            _udp.Dispose();
            _tcp.Dispose();
            _udpThread.Join(5000);
            _tcpThread.Join(5000);
        }
    }
}
