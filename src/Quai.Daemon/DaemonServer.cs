using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Quai.Daemon.Api;
using Quai.Daemon.Endpoints;
using Quai.Engine;

namespace Quai.Daemon;

/// <summary>`quai daemon`: Kestrel on unix sockets serving the Docker Engine API. Every request opens the
/// engine on the shared store as a CLI command does, so the daemonless CLI and the daemon see the same
/// containers. Containers keep their own monitors (spawned in their own sessions): stopping or restarting
/// the daemon does not stop them.</summary>
public sealed class DaemonServer
{
    public DaemonOptions Options { get; }
    public Attachments Attachments { get; } = new();

    public DaemonServer(DaemonOptions options) => Options = options;

    /// <summary>The engine on the daemon's store, for one request (disposed by the caller).</summary>
    public ContainerEngine OpenEngine() => new(Options.Store);

    /// <summary>Listener addresses as given to -H: unix:///path (fd:// from systemd's socket activation).
    /// TCP is refused: it is only to be served with TLS client certificates, which this version does not do yet.</summary>
    public static List<Listener> ParseHosts(IReadOnlyList<string> hosts, bool tls)
    {
        var result = new List<Listener>();
        foreach (var h in hosts.Count == 0 ? [$"unix://{DaemonOptions.DefaultSocket}"] : hosts)
        {
            if (h.StartsWith("unix://", StringComparison.Ordinal))
            {
                var path = h["unix://".Length..];
                if (path.Length == 0) path = DaemonOptions.DefaultSocket;
                if (!path.StartsWith('/')) throw new DaemonStartException($"invalid host \"{h}\": the socket path must be absolute");
                result.Add(new Listener(h, path, null));
            }
            else if (h.StartsWith("fd://", StringComparison.Ordinal)) result.Add(new Listener(h, null, h["fd://".Length..]));
            else if (h.StartsWith("tcp://", StringComparison.Ordinal) || h.StartsWith("http://", StringComparison.Ordinal) || h.Contains(':'))
                throw new DaemonStartException(tls
                    ? $"invalid host \"{h}\": TCP with TLS (--tlsverify) is not supported yet; serve a unix:// socket"
                    : $"invalid host \"{h}\": refusing to serve the API on TCP without TLS client certificates (--tlsverify --tlscacert --tlscert --tlskey): anyone who reaches the port would be root on this host; serve a unix:// socket");
            else throw new DaemonStartException($"invalid host \"{h}\": unix:///path expected");
        }
        return result;
    }

    public sealed record Listener(string Address, string? Path, string? Fd);

    public async Task<int> RunAsync(CancellationToken stop = default)
    {
        var listeners = ParseHosts(Options.Hosts, Options.Tls);
        var gid = ResolveGroup(Options.Group);
        foreach (var l in listeners.Where(l => l.Path is not null)) PrepareSocketPath(l.Path!);
        Quai.Runtime.Process.Reaper.StartReaping(); // the monitors the daemon spawns are its children until they exit

        // Kestrel listens in a private directory; clients reach it through a HalfCloseFront on each public socket
        var (innerDir, inner) = InnerSocket(Options.Store.Root);
        var fronts = new List<HalfCloseFront>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null; // image tarballs; JSON bodies have their own limit (Reply.Body)
            k.ListenUnixSocket(inner); // reached only through the fronts (HalfCloseFront)
        });
        var app = builder.Build();
        app.Use(ApiError.Middleware);
        app.Use(ApiVersion.Middleware);
        app.UseRouting();
        SystemEndpoints.Map(app, this);
        ContainerEndpoints.Map(app, this);
        ImageEndpoints.Map(app, this);
        VolumeEndpoints.Map(app, this);
        AttachEndpoints.Map(app, this);
        app.MapFallback(ctx => ApiError.Write(ctx, 404, "page not found"));

        try
        {
            await app.StartAsync(stop);
            foreach (var l in listeners)
            {
                if (l.Fd is not null)
                {
                    foreach (var fd in ActivatedFds(l.Fd))
                        fronts.Add(new HalfCloseFront(new Socket(new SafeSocketHandle((IntPtr)fd, ownsHandle: true)), inner));
                    continue;
                }
                var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                listener.Bind(new UnixDomainSocketEndPoint(l.Path!));
                listener.Listen(512);
                fronts.Add(new HalfCloseFront(listener, inner));
                // 0660: root and the daemon's group; dockerd's docker.sock has the same mode
                if (Quai.Interop.Libc.Chmod(l.Path!, 0x1B0) != 0) throw Quai.Interop.ErrnoException.FromLast($"chmod {l.Path}");
                if (Quai.Interop.Libc.FchownAt(-100 /* AT_FDCWD */, l.Path!, 0, gid, 0) != 0) throw Quai.Interop.ErrnoException.FromLast($"chown {l.Path}");
                Console.Error.WriteLine($"quai daemon: API listening on {l.Path}");
            }
            foreach (var f in fronts) f.Start();
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app, stop);
        }
        finally
        {
            foreach (var f in fronts) f.Dispose();
            await app.DisposeAsync();
            try { File.Delete(inner); } catch (IOException) { }
            if (innerDir.Contains("quai-daemon-", StringComparison.Ordinal)) try { Directory.Delete(innerDir, true); } catch (IOException) { }
            foreach (var l in listeners.Where(l => l.Path is not null))
                try { File.Delete(l.Path!); } catch (IOException) { }
        }
        return 0;
    }

    /// <summary>Kestrel's own socket: &lt;store&gt;/daemon/kestrel-PID.sock (the store is root's only), those of dead
    /// daemons removed; a temporary 0700 directory when the store's path is too long for a socket address.</summary>
    private static (string Dir, string Path) InnerSocket(string storeRoot)
    {
        var dir = Quai.Fs.PrivateStore.EnsureDir(System.IO.Path.Combine(System.IO.Path.GetFullPath(storeRoot), "daemon"));
        foreach (var old in Directory.EnumerateFiles(dir, "kestrel-*.sock"))
        {
            var pid = System.IO.Path.GetFileNameWithoutExtension(old)["kestrel-".Length..];
            if (int.TryParse(pid, out var p) && !Directory.Exists($"/proc/{p}")) try { File.Delete(old); } catch (IOException) { }
        }
        var path = System.IO.Path.Combine(dir, $"kestrel-{Environment.ProcessId}.sock");
        if (System.Text.Encoding.UTF8.GetByteCount(path) < 100) return (dir, path);
        var temp = Directory.CreateTempSubdirectory("quai-daemon-").FullName; // 0700
        return (temp, System.IO.Path.Combine(temp, "kestrel.sock"));
    }

    /// <summary>--group: its gid (an unknown group given explicitly is an error); the default group "quai"
    /// when it exists; else 0 (root only).</summary>
    public static uint ResolveGroup(string? group)
    {
        var name = group ?? DaemonOptions.DefaultGroup;
        if (uint.TryParse(name, out var numeric)) return numeric;
        try
        {
            foreach (var line in File.ReadLines("/etc/group"))
            {
                var f = line.Split(':');
                if (f.Length >= 3 && f[0] == name && uint.TryParse(f[2], out var gid)) return gid;
            }
        }
        catch (IOException) { }
        if (group is not null) throw new DaemonStartException($"group {group} not found (--group)");
        return 0;
    }

    /// <summary>Creates the socket's directory; a stale socket (nobody listening) is removed, a live one refused.</summary>
    private static void PrepareSocketPath(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, (UnixFileMode)0x1ED);
        if (!File.Exists(path) && !Directory.Exists(path)) return;
        if (Directory.Exists(path)) throw new DaemonStartException($"listen {path}: is a directory");
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(path));
            throw new DaemonStartException($"listen {path}: another daemon is already serving this socket");
        }
        catch (SocketException) { File.Delete(path); }
    }

    /// <summary>systemd socket activation: LISTEN_FDS descriptors from 3 (fd:// takes them all, fd://N the one).</summary>
    private static IEnumerable<int> ActivatedFds(string which)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out var n) ? n : 0;
        if (Environment.GetEnvironmentVariable("LISTEN_PID") is { } pid && pid != Environment.ProcessId.ToString()) count = 0;
        if (which.Length > 0)
            return int.TryParse(which, out var one) && one >= 3 && one < 3 + count ? [one] : throw new DaemonStartException($"fd://{which}: not a socket passed by systemd (LISTEN_FDS={count})");
        if (count == 0) throw new DaemonStartException("fd://: no sockets were passed (LISTEN_FDS is not set: start quai daemon from quai.socket)");
        return Enumerable.Range(3, count);
    }
}

/// <summary>The daemon cannot start as asked (a bad -H, a group that does not exist, a socket in use).</summary>
public sealed class DaemonStartException(string message) : Exception(message);
