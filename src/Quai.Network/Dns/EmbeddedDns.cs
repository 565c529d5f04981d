using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Quai.Network.Netlink;
using Quai.Network.Netns;

namespace Quai.Network.Dns;

/// <summary>The DNS server of a user-defined network, as Docker's embedded DNS: it listens on
/// 127.0.0.11:53 (UDP and TCP) inside one container's network namespace, answers the names
/// <c>resolve</c> knows (asked per query, so answers follow containers coming and going) and relays
/// every other query unchanged to the upstream servers, whose sockets live in the namespace of the
/// caller of <see cref="Start"/> (the host side), not the container's.
/// Limitation: the port is the real 53, so a container that itself binds 0.0.0.0:53 (or 127.0.0.11:53)
/// collides with it (Docker listens on a random port and DNATs 53 to it).</summary>
public sealed class EmbeddedDns : IDisposable
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.11");
    public const int Port = 53;
    /// <summary>How long one upstream server has to answer before the next is tried.</summary>
    public static TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TcpIdle = TimeSpan.FromSeconds(10);
    private const int MaxInFlight = 128;

    private readonly Socket _udp, _tcp;
    private readonly Func<string, IReadOnlyList<IPAddress>> _resolve;
    private readonly IReadOnlyList<IPEndPoint> _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxInFlight);
    private readonly Thread _udpThread, _tcpThread;
    private readonly object _gate = new();
    private readonly HashSet<Task> _handlers = [];
    private int _disposed;

    private EmbeddedDns(Socket udp, Socket tcp, Func<string, IReadOnlyList<IPAddress>> resolve, IReadOnlyList<IPEndPoint> upstream)
    {
        (_udp, _tcp, _resolve, _upstream) = (udp, tcp, resolve, [.. upstream]);
        _udpThread = new Thread(() => Loop(UdpLoopAsync)) { IsBackground = true, Name = "dns-udp" };
        _tcpThread = new Thread(() => Loop(TcpLoopAsync)) { IsBackground = true, Name = "dns-tcp" };
    }

    /// <summary>Binds 127.0.0.11:53 UDP and TCP inside the namespace file <paramref name="netnsPath"/>
    /// (on a thread of its own that joins it; sockets keep their namespace) and starts serving.</summary>
    public static EmbeddedDns Start(string netnsPath, Func<string, IReadOnlyList<IPAddress>> resolve, IReadOnlyList<IPEndPoint> upstream)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        ArgumentNullException.ThrowIfNull(upstream);
        var (udp, tcp) = NetnsFile.OnThread(() => NetnsFile.InNamespace(netnsPath, () => Bind(netnsPath)));
        var dns = new EmbeddedDns(udp, tcp, resolve, upstream);
        dns._udpThread.Start();
        dns._tcpThread.Start();
        return dns;
    }

    private static (Socket, Socket) Bind(string netnsPath)
    {
        var ep = new IPEndPoint(Address, Port);
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Socket? tcp = null;
        try
        {
            EnsureLoopback();
            udp.Bind(ep);
            tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(ep);
            tcp.Listen(64);
            return (udp, tcp);
        }
        catch (SocketException e)
        {
            udp.Dispose();
            tcp?.Dispose();
            throw new InvalidOperationException($"start the embedded DNS server on {ep} in {netnsPath}: {e.Message}", e);
        }
    }

    /// <summary>lo must be up for anything to reach 127.0.0.11, which its 127.0.0.1/8 covers; without that /8, the address is added itself.</summary>
    private static void EnsureLoopback()
    {
        using var rt = new Rtnl();
        rt.SetUp("lo");
        var lo = rt.Index("lo");
        var covered = rt.Addresses().Any(a => a.Index == lo && a.Address.AddressFamily == AddressFamily.InterNetwork
                                              && SamePrefix(a.Address, Address, a.Prefix));
        if (!covered) rt.AddAddress("lo", Address, 32);
    }

    private static bool SamePrefix(IPAddress a, IPAddress b, int prefix)
    {
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return (BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes()) & mask) == (BinaryPrimitives.ReadUInt32BigEndian(b.GetAddressBytes()) & mask);
    }

    /// <summary>Runs a serving loop to its end; nothing it throws leaves the thread (that would kill the
    /// monitor process): after a stop it is expected, before one the loop is started again.</summary>
    private void Loop(Func<Task> loop)
    {
        while (true)
        {
            try { loop().GetAwaiter().GetResult(); return; }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (Exception) { Thread.Sleep(100); }
        }
    }

    private void Track(Func<Task> handler)
    {
        Task t;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested) { _slots.Release(); return; }
            t = Task.Run(async () =>
            {
                try { await handler(); }
                catch (Exception) { } // hostile input or a dying upstream never stops the server
                finally { _slots.Release(); }
            });
            _handlers.Add(t);
        }
        t.ContinueWith(done => { lock (_gate) _handlers.Remove(done); }, TaskScheduler.Default);
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (SocketException) when (!_stop.IsCancellationRequested) { await Task.Delay(10); continue; } // e.g. ICMP errors of earlier sends
            if (!_slots.Wait(0)) continue; // flooded: drop, the client retries
            var query = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            var client = r.RemoteEndPoint;
            Track(async () =>
            {
                var reply = await HandleAsync(query, tcp: false);
                if (reply is not null) await _udp.SendToAsync(reply, SocketFlags.None, client, _stop.Token);
            });
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket conn;
            try { conn = await _tcp.AcceptAsync(_stop.Token); }
            catch (SocketException) when (!_stop.IsCancellationRequested) { await Task.Delay(100); continue; } // EMFILE, a reset in the backlog
            if (!_slots.Wait(0)) { conn.Dispose(); continue; }
            Track(async () =>
            {
                using var c = conn;
                while (!_stop.IsCancellationRequested)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    idle.CancelAfter(TcpIdle);
                    var query = await ReadFramedAsync(c, idle.Token);
                    if (query is null) return;
                    var reply = await HandleAsync(query, tcp: true);
                    if (reply is null) return;
                    await WriteFramedAsync(c, reply, _stop.Token);
                }
            });
        }
    }

    /// <summary>The reply to one query (null: none, the packet is dropped).</summary>
    internal async Task<byte[]?> HandleAsync(byte[] query, bool tcp)
    {
        if (!DnsQuery.TryReadHeader(query, out var id, out var flags) || (flags & 0x8000) != 0) return null; // not a query
        var q = DnsQuery.TryParse(query);
        if (q is null) return DnsReply.HeaderOnly(id, flags, DnsReply.RcodeFormErr);
        if (q.Opcode != 0) return DnsReply.Error(query, q, DnsReply.RcodeNotImp);
        if (q.NameIsPlain && q.Name.Length > 0 && q.Class == DnsQuery.ClassIN)
        {
            IReadOnlyList<IPAddress> addresses;
            try { addresses = _resolve(q.Name); }
            catch (Exception) { return DnsReply.Error(query, q, DnsReply.RcodeServFail); }
            if (addresses is { Count: > 0 })
                return DnsReply.Answer(query, q, addresses, tcp ? ushort.MaxValue : DnsReply.UdpLimit);
        }
        foreach (var server in _upstream)
        {
            if (_stop.IsCancellationRequested) return null;
            try
            {
                var answer = tcp ? await RelayTcpAsync(server, query) : await RelayUdpAsync(server, query, q.Id);
                if (answer is not null) return answer;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException) { }
        }
        return DnsReply.Error(query, q, DnsReply.RcodeServFail);
    }

    private async Task<byte[]?> RelayUdpAsync(IPEndPoint server, byte[] query, ushort id)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(UpstreamTimeout);
        using var s = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await s.ConnectAsync(server, timeout.Token);
        await s.SendAsync(query, SocketFlags.None, timeout.Token);
        var buffer = new byte[65535];
        while (true)
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n >= DnsQuery.HeaderSize && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id && (buffer[2] & 0x80) != 0)
                return buffer.AsSpan(0, n).ToArray();
        }
    }

    private async Task<byte[]?> RelayTcpAsync(IPEndPoint server, byte[] query)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(UpstreamTimeout);
        using var s = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(server, timeout.Token);
        await WriteFramedAsync(s, query, timeout.Token);
        var answer = await ReadFramedAsync(s, timeout.Token);
        return answer is { Length: >= DnsQuery.HeaderSize } && answer.AsSpan(0, 2).SequenceEqual(query.AsSpan(0, 2)) ? answer : null;
    }

    /// <summary>One length-prefixed message (RFC 1035 §4.2.2), or null at end of stream.</summary>
    internal static async Task<byte[]?> ReadFramedAsync(Socket s, CancellationToken ct)
    {
        var len = new byte[2];
        if (!await ReadExactlyAsync(s, len, ct)) return null;
        var n = BinaryPrimitives.ReadUInt16BigEndian(len);
        if (n == 0) return null;
        var msg = new byte[n];
        return await ReadExactlyAsync(s, msg, ct) ? msg : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket s, Memory<byte> buffer, CancellationToken ct)
    {
        var got = 0;
        while (got < buffer.Length)
        {
            var n = await s.ReceiveAsync(buffer[got..], SocketFlags.None, ct);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }

    internal static async Task WriteFramedAsync(Socket s, byte[] msg, CancellationToken ct)
    {
        var framed = new byte[msg.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)msg.Length);
        msg.CopyTo(framed, 2);
        var sent = 0;
        while (sent < framed.Length) sent += await s.SendAsync(framed.AsMemory(sent), SocketFlags.None, ct);
    }

    /// <summary>Stops serving: closes the listening sockets, waits for the loops and the queries in flight.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (_gate) _stop.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        _udpThread.Join();
        _tcpThread.Join();
        Task[] pending;
        lock (_gate) pending = [.. _handlers];
        try { Task.WaitAll(pending, TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        // _stop and _slots are left to the GC: a straggler past the wait may still touch them
    }
}
