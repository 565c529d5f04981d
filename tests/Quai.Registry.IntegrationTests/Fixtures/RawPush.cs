using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>Pushes blobs and manifests to a <see cref="RegistryServer"/> with plain distribution API
/// requests (monolithic upload: POST then PUT ?digest=; manifest PUT with its media type), for content
/// skopeo will not copy verbatim: images with Docker media types (skopeo's oci: transport only reads
/// OCI-typed index.json entries), hand-made manifests. Authenticates as the registry's user: Basic, or
/// a Bearer token from the realm of the registry's challenge. It checks nothing of the registry's
/// certificate (it is test plumbing, not what is under test).</summary>
public sealed class RawPush : IDisposable
{
    private readonly RegistryServer _registry;
    private readonly HttpClient _http;
    private readonly string? _user, _password;

    public RawPush(RegistryServer registry, string? user = null, string? password = null)
    {
        _registry = registry;
        _user = user ?? registry.User;
        _password = password ?? registry.Password;
        _http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        { BaseAddress = registry.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Uploads the image's config and layers and puts its manifest at <paramref name="repository"/>:<paramref name="tag"/>;
    /// returns "HOST/repository:tag".</summary>
    public string Push(TestImage image, string repository, string tag)
    {
        PushImageBlobs(image, repository);
        PutManifest(repository, tag, image.ManifestBytes, image.Manifest.MediaType);
        return _registry.Ref($"{repository}:{tag}");
    }

    /// <summary>Pushes every image of the index (manifests by digest), then the index at the tag.</summary>
    public string Push(TestIndex index, string repository, string tag)
    {
        foreach (var i in index.Images)
        {
            PushImageBlobs(i, repository);
            PutManifest(repository, i.Manifest.Digest, i.ManifestBytes, i.Manifest.MediaType);
        }
        PutManifest(repository, tag, index.IndexBytes, index.Index.MediaType);
        return _registry.Ref($"{repository}:{tag}");
    }

    private void PushImageBlobs(TestImage image, string repository)
    {
        foreach (var b in image.Layers.Append(image.Config)) UploadBlob(repository, b.Digest, File.ReadAllBytes(image.BlobPath(b.Digest)));
    }

    /// <summary>Monolithic upload of a blob (POST /blobs/uploads/, PUT LOCATION&amp;digest=).</summary>
    public void UploadBlob(string repository, string digest, byte[] bytes)
    {
        var scope = $"repository:{repository}:pull,push";
        using var start = Send(() => new HttpRequestMessage(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/") { Content = new ByteArrayContent([]) }, scope);
        Expect(start, HttpStatusCode.Accepted, "start upload");
        var location = start.Headers.Location ?? throw new InvalidOperationException("upload without Location");
        var url = new Uri(_registry.BaseUri, location);
        var put = url + (url.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);
        using var done = Send(() =>
        {
            var c = new ByteArrayContent(bytes);
            c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, put) { Content = c };
        }, scope);
        Expect(done, HttpStatusCode.Created, "upload " + digest);
    }

    /// <summary>PUT /v2/REPO/manifests/REFERENCE with Content-Type <paramref name="mediaType"/>.</summary>
    public void PutManifest(string repository, string reference, byte[] bytes, string mediaType)
    {
        using var r = Send(() =>
        {
            var c = new ByteArrayContent(bytes);
            c.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, $"/v2/{repository}/manifests/{reference}") { Content = c };
        }, $"repository:{repository}:pull,push");
        Expect(r, HttpStatusCode.Created, $"put manifest {repository}:{reference}");
    }

    private HttpResponseMessage Send(Func<HttpRequestMessage> make, string scope)
    {
        var first = _http.Send(make());
        if (first.StatusCode != HttpStatusCode.Unauthorized || _user is null) return first;
        var challenge = first.Headers.WwwAuthenticate.FirstOrDefault();
        first.Dispose();
        var req = make();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}"));
        if (challenge?.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) == true)
        {
            var p = Params(challenge.Parameter ?? "");
            var tokenUrl = $"{p["realm"]}?service={Uri.EscapeDataString(p.GetValueOrDefault("service", ""))}&scope={Uri.EscapeDataString(scope)}";
            using var treq = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
            treq.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
            using var tresp = _http.Send(treq);
            Expect(tresp, HttpStatusCode.OK, "token");
            var token = JsonNode.Parse(tresp.Content.ReadAsStringAsync().GetAwaiter().GetResult())!["token"]!.GetValue<string>();
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else req.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        return _http.Send(req);
    }

    private static Dictionary<string, string> Params(string s) =>
        System.Text.RegularExpressions.Regex.Matches(s, "(\\w+)=\"([^\"]*)\"").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private void Expect(HttpResponseMessage r, HttpStatusCode status, string what)
    {
        if (r.StatusCode == status) return;
        var body = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        throw new InvalidOperationException($"{what}: {(int)r.StatusCode} {body}\nregistry log:\n{_registry.Log}");
    }

    public void Dispose() => _http.Dispose();
}
