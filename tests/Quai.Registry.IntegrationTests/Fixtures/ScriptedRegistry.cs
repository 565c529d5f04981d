using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>A canned answer of a <see cref="ScriptedRegistry"/>: status, headers, body, an optional
/// <see cref="Delay"/> before the headers and <see cref="BodyDelay"/> between the headers and the body.
/// Headers set here replace the defaults (Content-Type application/octet-stream, Content-Length).</summary>
public sealed record ScriptedResponse(int Status, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public TimeSpan Delay { get; init; }
    public TimeSpan BodyDelay { get; init; }

    public ScriptedResponse WithHeader(string name, string value) =>
        this with { Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { [name] = value } };
    /// <summary>This answer after <paramref name="delay"/> (before the status line).</summary>
    public ScriptedResponse After(TimeSpan delay) => this with { Delay = delay };

    private static Dictionary<string, string> H(params (string, string)[] h) => h.ToDictionary(x => x.Item1, x => x.Item2, StringComparer.OrdinalIgnoreCase);
    private static string DigestOf(byte[] b) => "sha256:" + Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();

    /// <summary>Status only, empty body.</summary>
    public static ScriptedResponse Empty(int status) => new(status, [], H());
    /// <summary>A JSON body.</summary>
    public static ScriptedResponse Json(int status, string json, string contentType = "application/json") =>
        new(status, Encoding.UTF8.GetBytes(json), H(("Content-Type", contentType)));
    /// <summary>A manifest or index: 200, Content-Type <paramref name="mediaType"/>, Docker-Content-Digest
    /// (the bytes' digest unless <paramref name="digest"/> says otherwise: a lying registry).</summary>
    public static ScriptedResponse Manifest(byte[] bytes, string mediaType, string? digest = null) =>
        new(200, bytes, H(("Content-Type", mediaType), ("Docker-Content-Digest", digest ?? DigestOf(bytes))));
    /// <summary>A blob: 200, application/octet-stream, Docker-Content-Digest of the bytes (or the given one).</summary>
    public static ScriptedResponse Blob(byte[] bytes, string? digest = null) =>
        new(200, bytes, H(("Content-Type", "application/octet-stream"), ("Docker-Content-Digest", digest ?? DigestOf(bytes))));
    /// <summary>A distribution error: {"errors":[{"code","message","detail":null}]}.</summary>
    public static ScriptedResponse Error(int status, string code, string message) =>
        Json(status, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message, ["detail"] = null }) }.ToJsonString());
    /// <summary>429 TOOMANYREQUESTS (or 503 UNAVAILABLE, …) with Retry-After: <paramref name="seconds"/>.</summary>
    public static ScriptedResponse RetryAfter(int status, int seconds) =>
        Error(status, status == 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", status == 429 ? "too many requests" : "service unavailable")
            .WithHeader("Retry-After", seconds.ToString());
    /// <summary>A redirect (307 by default) to <paramref name="location"/>.</summary>
    public static ScriptedResponse Redirect(string location, int status = 307) => new(status, [], H(("Location", location)));
    /// <summary>401 with WWW-Authenticate: Bearer realm/service/scope (a token challenge).</summary>
    public static ScriptedResponse BearerChallenge(string realm, string service, string? scope = null) =>
        Error(401, "UNAUTHORIZED", "authentication required").WithHeader("WWW-Authenticate",
            $"Bearer realm=\"{realm}\",service=\"{service}\"" + (scope is null ? "" : $",scope=\"{scope}\""));
}

/// <summary>One request a <see cref="ScriptedRegistry"/> received: method, path, query string (with
/// its "?"), request headers (names case-insensitive), and the body it sent.</summary>
public sealed record ScriptedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>A registry whose every answer a test scripts: Kestrel on 127.0.0.1 (kernel-chosen port),
/// http, or https with a given certificate (e.g. <see cref="TestCa.IssueServer"/>). A test maps method
/// + path to responses (<see cref="Map"/>; several = one per hit in order, the last repeating);
/// HEAD falls back to the GET mapping without its body; GET /v2/ answers 200 with
/// Docker-Distribution-Api-Version unless mapped; anything else unmapped is a 404 distribution error
/// (MANIFEST_UNKNOWN, BLOB_UNKNOWN or NAME_UNKNOWN). <see cref="ServeImage"/> and <see cref="ServeIndex"/>
/// map a whole <see cref="TestImages"/> image (by tag and by digest); then a test overrides what it
/// wants broken (a blob with the wrong bytes, a manifest too large, 429 then success, a redirect to a
/// second ScriptedRegistry). Every request is recorded (<see cref="Requests"/>).</summary>
public sealed class ScriptedRegistry : IDisposable
{
    private readonly KestrelApp _app;
    private readonly ConcurrentDictionary<string, (ScriptedResponse[] Responses, int Hits)> _routes = new();
    private readonly ConcurrentQueue<ScriptedRequest> _requests = new();
    private readonly object _lock = new();
    private readonly ConcurrentDictionary<string, List<string>> _tags = new();

    public ScriptedRegistry(X509Certificate2? certificate = null) => _app = new KestrelApp(Handle, certificate);

    /// <summary>"127.0.0.1:PORT".</summary>
    public string Host => _app.Host;
    public int Port => _app.Port;
    public Uri BaseUri => _app.BaseUri;
    /// <summary>"127.0.0.1:PORT/<paramref name="repositoryAndTag"/>".</summary>
    public string Ref(string repositoryAndTag) => $"{Host}/{repositoryAndTag}";
    /// <summary>Every request received, in order of arrival.</summary>
    public IReadOnlyList<ScriptedRequest> Requests => _requests.ToArray();
    /// <summary>How many requests had this method and path.</summary>
    public int Hits(string method, string path) => _requests.Count(r => r.Method == method && r.Path == path);

    /// <summary>Answers <paramref name="method"/> <paramref name="path"/> (no query) with these responses,
    /// one per hit in order, the last repeating. Replaces an earlier mapping and its hit count.</summary>
    public void Map(string method, string path, params ScriptedResponse[] responses)
    {
        if (responses.Length == 0) throw new ArgumentException("at least one response");
        _routes[Key(method, path)] = (responses, 0);
    }

    /// <summary>Maps GET (and so HEAD) /v2/REPO/manifests/REFERENCE.</summary>
    public void MapManifest(string repository, string reference, byte[] bytes, string mediaType) =>
        Map("GET", $"/v2/{repository}/manifests/{reference}", ScriptedResponse.Manifest(bytes, mediaType));

    /// <summary>Maps GET (and so HEAD) /v2/REPO/blobs/DIGEST to these bytes (wrong bytes make a lying blob).</summary>
    public void MapBlob(string repository, string digest, byte[] bytes) =>
        Map("GET", $"/v2/{repository}/blobs/{digest}", ScriptedResponse.Blob(bytes, digest));

    /// <summary>Maps GET /v2/REPO/tags/list to {"name","tags"} with these tags (<see cref="ServeImage"/> and
    /// <see cref="ServeIndex"/> add theirs).</summary>
    public void MapTags(string repository, params string[] tags)
    {
        var set = _tags.GetOrAdd(repository, _ => []);
        lock (set) { foreach (var t in tags) if (!set.Contains(t)) set.Add(t); }
        string[] all;
        lock (set) all = [.. set];
        Map("GET", $"/v2/{repository}/tags/list", ScriptedResponse.Json(200,
            new JsonObject { ["name"] = repository, ["tags"] = new JsonArray(all.Select(t => (JsonNode)t!).ToArray()) }.ToJsonString()));
    }

    /// <summary>Serves an image of a layout: its manifest by <paramref name="tag"/> (also listed in
    /// tags/list) and by digest, config and layers.</summary>
    public void ServeImage(string repository, TestImage image, string? tag = null)
    {
        var manifest = image.ManifestBytes;
        if ((tag ?? image.Tag) is { } t) { MapManifest(repository, t, manifest, image.Manifest.MediaType); MapTags(repository, t); }
        MapManifest(repository, image.Manifest.Digest, manifest, image.Manifest.MediaType);
        foreach (var b in image.Layers.Append(image.Config)) MapBlob(repository, b.Digest, File.ReadAllBytes(image.BlobPath(b.Digest)));
    }

    /// <summary>Serves a multi-arch index (by tag and digest) and all its images.</summary>
    public void ServeIndex(string repository, TestIndex index, string? tag = null)
    {
        foreach (var i in index.Images) ServeImage(repository, i);
        MapManifest(repository, tag ?? index.Tag, index.IndexBytes, index.Index.MediaType);
        MapTags(repository, tag ?? index.Tag);
        MapManifest(repository, index.Index.Digest, index.IndexBytes, index.Index.MediaType);
    }

    private static string Key(string method, string path) => method.ToUpperInvariant() + " " + path;

    private ScriptedResponse? Next(string method, string path)
    {
        lock (_lock)
        {
            foreach (var key in method == "HEAD" ? new[] { Key("HEAD", path), Key("GET", path) } : [Key(method, path)])
            {
                if (!_routes.TryGetValue(key, out var route)) continue;
                _routes[key] = (route.Responses, route.Hits + 1);
                return route.Responses[Math.Min(route.Hits, route.Responses.Length - 1)];
            }
            return null;
        }
    }

    private async Task Handle(HttpContext ctx)
    {
        var method = ctx.Request.Method.ToUpperInvariant();
        var path = ctx.Request.Path.Value ?? "/";
        var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body, ctx.RequestAborted);
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new ScriptedRequest(method, path, ctx.Request.QueryString.Value ?? "", headers, body.ToArray()));

        var r = Next(method, path) ?? Default(path);
        if (r.Delay > TimeSpan.Zero) await Task.Delay(r.Delay, ctx.RequestAborted);
        ctx.Response.StatusCode = r.Status;
        ctx.Response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
        if (r.Body.Length > 0 || r.Status == 200) ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.ContentLength = r.Body.Length;
        foreach (var (k, v) in r.Headers) ctx.Response.Headers[k] = v;
        if (method == "HEAD") return;
        if (r.BodyDelay > TimeSpan.Zero)
        {
            await ctx.Response.StartAsync(ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await Task.Delay(r.BodyDelay, ctx.RequestAborted);
        }
        await ctx.Response.Body.WriteAsync(r.Body, ctx.RequestAborted);
    }

    private static ScriptedResponse Default(string path) =>
        path == "/v2/" || path == "/v2" ? ScriptedResponse.Json(200, "{}")
        : path.Contains("/manifests/") ? ScriptedResponse.Error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        : path.Contains("/blobs/") ? ScriptedResponse.Error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        : ScriptedResponse.Error(404, "NAME_UNKNOWN", "repository name not known to registry");

    public void Dispose() => _app.Dispose();
}
