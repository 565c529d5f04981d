using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>One request the <see cref="CuttingProxy"/> forwarded: method, path and query, the Range
/// header it carried (null if none), the upstream status, and whether the proxy cut its body.</summary>
public sealed record ProxiedRequest(string Method, string PathAndQuery, string? Range, int Status, bool Cut);

/// <summary>A plain-http reverse proxy (Kestrel on 127.0.0.1, kernel-chosen port) in front of a
/// registry: forwards every request (method, headers, body; Host set to the upstream's), answers with
/// the upstream's status, headers and body, and rewrites absolute Location headers that point at the
/// upstream to point at itself. For the first <see cref="CutFirst"/> GETs of each blob path
/// (/v2/…/blobs/sha256:…) it sends the headers (with the full Content-Length) and
/// <see cref="CutAfterBytes"/> bytes of the body, then aborts the connection — a dropped download.
/// It records every request with its Range header (<see cref="Requests"/>, <see cref="RangeHeaders"/>)
/// so tests can assert that a client resumed. An https upstream's certificate is not checked.</summary>
public sealed class CuttingProxy : IDisposable
{
    private static readonly Regex BlobPath = new(@"^/v2/.+/blobs/sha256:[0-9a-f]{64}$", RegexOptions.Compiled);
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
        { "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host" };

    private readonly KestrelApp _app;
    private readonly HttpClient _http;
    private readonly Uri _upstream;
    private readonly ConcurrentDictionary<string, int> _blobGets = new();
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();

    /// <summary>How many GETs of each blob path are cut (default 1).</summary>
    public int CutFirst { get; set; }
    /// <summary>How many body bytes a cut GET delivers before the connection is aborted (default 64 KiB).</summary>
    public long CutAfterBytes { get; set; }
    /// <summary>"127.0.0.1:PORT" of the proxy: use it as the registry's domain.</summary>
    public string Host => _app.Host;
    public int Port => _app.Port;
    public Uri BaseUri => _app.BaseUri;

    /// <summary>A proxy to <paramref name="upstream"/>'s registry.</summary>
    public CuttingProxy(RegistryServer upstream, int cutFirst = 1, long cutAfterBytes = 64 * 1024)
        : this(upstream.BaseUri, cutFirst, cutAfterBytes) { }

    /// <summary>A proxy to any http(s) server.</summary>
    public CuttingProxy(Uri upstream, int cutFirst = 1, long cutAfterBytes = 64 * 1024)
    {
        _upstream = upstream;
        CutFirst = cutFirst;
        CutAfterBytes = cutAfterBytes;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = Timeout.InfiniteTimeSpan };
        _app = new KestrelApp(Handle);
    }

    /// <summary>"127.0.0.1:PORT/<paramref name="repositoryAndTag"/>" through the proxy.</summary>
    public string Ref(string repositoryAndTag) => $"{Host}/{repositoryAndTag}";
    /// <summary>Every request forwarded, in order of completion.</summary>
    public IReadOnlyList<ProxiedRequest> Requests => _requests.ToArray();
    /// <summary>The Range headers of the GETs of blobs, in order.</summary>
    public IReadOnlyList<string> RangeHeaders => _requests.Where(r => r.Range is not null && r.Method == "GET").Select(r => r.Range!).ToArray();
    /// <summary>How many blob downloads were cut.</summary>
    public int Cuts => _requests.Count(r => r.Cut);
    /// <summary>Forgets the per-path GET counts (the next GETs are cut again) and the request log.</summary>
    public void Reset() { _blobGets.Clear(); _requests.Clear(); }

    private async Task Handle(HttpContext ctx)
    {
        var pathAndQuery = ctx.Request.Path + ctx.Request.QueryString;
        using var req = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri(_upstream, pathAndQuery));
        var hasBody = ctx.Request.ContentLength > 0 || ctx.Request.Headers.ContainsKey("Transfer-Encoding");
        if (hasBody) req.Content = new StreamContent(ctx.Request.Body);
        else if (ctx.Request.ContentLength == 0) req.Content = new ByteArrayContent([]);
        foreach (var (name, values) in ctx.Request.Headers)
        {
            if (HopByHop.Contains(name)) continue;
            if (!req.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!))
                req.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
        }
        var range = ctx.Request.Headers.Range.Count > 0 ? ctx.Request.Headers.Range.ToString() : null;
        HttpResponseMessage resp;
        try { resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted); }
        catch (HttpRequestException e)
        {
            ctx.Response.StatusCode = 502;
            await ctx.Response.WriteAsync("cutting proxy: upstream failed: " + e.Message);
            _requests.Enqueue(new ProxiedRequest(ctx.Request.Method, pathAndQuery, range, 502, false));
            return;
        }
        using (resp)
        {
            ctx.Response.StatusCode = (int)resp.StatusCode;
            foreach (var h in resp.Headers.Concat(resp.Content.Headers))
            {
                if (HopByHop.Contains(h.Key)) continue;
                var values = h.Value.ToArray();
                if (h.Key.Equals("Location", StringComparison.OrdinalIgnoreCase))
                    values = values.Select(RewriteLocation).ToArray();
                ctx.Response.Headers[h.Key] = values;
            }
            var cut = false;
            if (HttpMethods.IsGet(ctx.Request.Method) && BlobPath.IsMatch(ctx.Request.Path.Value ?? "") && resp.IsSuccessStatusCode)
            {
                var n = _blobGets.AddOrUpdate(ctx.Request.Path.Value!, 1, (_, c) => c + 1);
                cut = n <= CutFirst;
            }
            await using var body = await resp.Content.ReadAsStreamAsync(ctx.RequestAborted);
            if (!cut)
            {
                // recorded before the body goes out: a client that has every byte may look at the records at once
                _requests.Enqueue(new ProxiedRequest(ctx.Request.Method, pathAndQuery, range, (int)resp.StatusCode, false));
                await body.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
                return;
            }
            var buffer = new byte[16 * 1024];
            long sent = 0;
            while (sent < CutAfterBytes)
            {
                var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, CutAfterBytes - sent)), ctx.RequestAborted);
                if (read == 0) break;
                await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ctx.RequestAborted);
                sent += read;
            }
            var more = await body.ReadAsync(buffer.AsMemory(0, 1), ctx.RequestAborted) > 0;
            if (!more)
            {   // the body was not longer than the cut: nothing to cut
                _requests.Enqueue(new ProxiedRequest(ctx.Request.Method, pathAndQuery, range, (int)resp.StatusCode, false));
                return;
            }
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            _requests.Enqueue(new ProxiedRequest(ctx.Request.Method, pathAndQuery, range, (int)resp.StatusCode, true));
            // Returning with fewer bytes than the Content-Length: Kestrel sends what was written, then closes
            // the connection (an explicit Abort may reset it before the written bytes left).
        }
    }

    private string RewriteLocation(string location)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var u)) return location;
        if (u.Host != _upstream.Host || u.Port != _upstream.Port) return location;
        return new UriBuilder(u) { Scheme = "http", Host = "127.0.0.1", Port = Port }.Uri.ToString();
    }

    public void Dispose() { _app.Dispose(); _http.Dispose(); }
}
