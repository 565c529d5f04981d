using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Quai.Oci.Image;
using Quai.Registry.Auth;
using Quai.Registry.Config;
using Quai.Registry.Transport;

namespace Quai.Registry.Client;

/// <summary>The distribution protocol over <see cref="RegistryTransport"/>: manifests, blobs (download with
/// resume, upload monolithic or chunked, cross-repository mount), tags, catalog, v1 search and login.
/// Thread-safe: one instance serves a pull's parallel layer downloads.</summary>
public sealed class RegistryClient : IDisposable
{
    public const int MaxManifestSize = 4 << 20;
    private const string Schema1 = "application/vnd.docker.distribution.manifest.v1+json";
    private const string Schema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    private static readonly string[] ManifestAccept = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    private readonly RegistryTransport _transport;

    /// <summary>Blobs larger than this are uploaded in PATCH chunks of <see cref="ChunkSize"/>.</summary>
    public long ChunkedUploadThreshold { get; init; } = 64L << 20;
    public int ChunkSize { get; init; } = 16 << 20;
    /// <summary>Entries asked per page of tags/list and _catalog (<c>?n=</c>); 0 leaves it to the registry.</summary>
    public int PageSize { get; init; }

    public RegistryClient(RegistryConfig config, CredentialStore? credentials, TextWriter? warnings = null)
        => _transport = new RegistryTransport(config, credentials, warnings);

    public void Dispose() => _transport.Dispose();

    /// <summary>Checks <paramref name="credential"/> against the registry (its token server, or Basic auth on
    /// <c>/v2/</c>) and uses it for the rest of this client's life. Storing it is the caller's business
    /// (<see cref="CredentialStore.Store"/>). Fails with Docker's words: <c>Get "https://h/v2/": unauthorized: …</c>
    /// or <c>login attempt to https://h/v2/ failed with status: 401 Unauthorized</c>.</summary>
    public async Task LoginAsync(string domain, Credential credential, CancellationToken ct = default)
    {
        var ep = await _transport.EndpointAsync(domain, ct);
        var v2 = ep.Url("v2/");
        if (ep.Challenges.FirstOrDefault(c => c.IsBearer && c["realm"] is { Length: > 0 }) is { } bearer)
        {
            try { await _transport.FetchTokenAsync(ep, bearer, credential, [], ct); }
            catch (RegistryException e) { throw e.Rephrase($"Get \"{v2}\": {e.Message}"); }
        }
        else if (ep.Challenges.Count > 0)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, v2);
            request.Headers.Authorization = RegistryTransport.BasicHeader(credential);
            using var response = await _transport.SendOnceAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new RegistryException($"login attempt to {v2} failed with status: 401 Unauthorized", 401, "UNAUTHORIZED");
            if (!response.IsSuccessStatusCode) throw (await ErrorAsync(response, ct)).Let(e => e.Rephrase($"Get \"{v2}\": {e.Message}"));
        }
        _transport.UseCredential(domain, credential);
    }

    public async Task<FetchedManifest> GetManifestAsync(Reference reference, CancellationToken ct = default)
    {
        var target = reference.Digest?.ToString() ?? reference.Tag ?? Reference.DefaultTag;
        return await OnReadEndpoints(reference.Domain, async ep =>
        {
            var url = ep.Url($"v2/{reference.Path}/manifests/{target}");
            using var response = await _transport.SendAsync(ep, PullScope(reference), HttpMethod.Get, url, headers: AcceptManifests, ct: ct);
            if (!response.IsSuccessStatusCode) throw PullError(await ErrorAsync(response, ct), reference, url, HttpMethod.Get);
            var bytes = await _transport.ReadSmallAsync(response, MaxManifestSize, $"manifest for {reference.ToFamiliarString()}", ct);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            string? probed = null;
            int schemaVersion = 2;
            try
            {
                using var doc = JsonDocument.Parse(bytes);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new RegistryException($"manifest for {reference.ToFamiliarString()}: invalid manifest: a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
                if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String) probed = mt.GetString();
                if (doc.RootElement.TryGetProperty("schemaVersion", out var sv) && sv.TryGetInt32(out var v)) schemaVersion = v;
                if (probed is null && doc.RootElement.TryGetProperty("manifests", out _)) probed = MediaTypes.OciIndex;
                else if (probed is null && doc.RootElement.TryGetProperty("config", out _)) probed = MediaTypes.OciManifest;
            }
            catch (JsonException e)
            {
                throw new RegistryException($"manifest for {reference.ToFamiliarString()}: invalid JSON: {e.Message}");
            }
            if (schemaVersion == 1 || mediaType is Schema1 or Schema1Signed)
                throw new RegistryException($"{reference.ToFamiliarString()}: Docker Image manifest version 2, schema 1 is not supported: " +
                    $"suggest the author of {reference.FamiliarRepository} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2",
                    (int)response.StatusCode, "MANIFEST_INVALID");
            if (mediaType is null or "application/json" or "text/plain" or "application/octet-stream" || !(MediaTypes.IsManifest(mediaType) || MediaTypes.IsIndex(mediaType)))
                mediaType = probed ?? mediaType;
            if (!(MediaTypes.IsManifest(mediaType) || MediaTypes.IsIndex(mediaType)))
                throw new RegistryException($"manifest for {reference.ToFamiliarString()}: unsupported media type \"{mediaType}\"");
            CheckShape(bytes, mediaType!, reference);
            var digest = Digest.Compute(bytes);
            if (reference.Digest is { } wanted && wanted != digest)
                throw new RegistryException($"manifest verification failed for digest {wanted}: the registry sent content with digest {digest}");
            return new FetchedManifest(bytes, mediaType!, digest);
        }, ct);
    }

    /// <summary>Refuses a manifest or index whose descriptors are missing or unparsable, before anything is stored.</summary>
    private static void CheckShape(byte[] bytes, string mediaType, Reference reference)
    {
        var what = $"manifest for {reference.ToFamiliarString()}";
        IEnumerable<(string Field, Descriptor? D)> descriptors;
        try
        {
            if (MediaTypes.IsIndex(mediaType))
                descriptors = ImageJson.ParseIndex(bytes, what).Manifests.Select((d, i) => ($"manifests[{i}]", (Descriptor?)d));
            else
            {
                var m = ImageJson.ParseManifest(bytes, what);
                descriptors = m.Layers.Select((d, i) => ($"layers[{i}]", (Descriptor?)d)).Prepend(("config", m.Config));
            }
        }
        catch (InvalidDataException e) { throw new RegistryException(e.Message.Replace(": invalid JSON: ", ": invalid manifest: ", StringComparison.Ordinal)); }
        foreach (var (field, d) in descriptors)
        {
            if (d is null || string.IsNullOrEmpty(d.Digest))
                throw new RegistryException($"{what}: invalid manifest: {field} has no digest");
            if (!Digest.TryParse(d.Digest, out _, out var error))
                throw new RegistryException($"{what}: invalid manifest: {field}: {error}");
            if (d.Size < 0)
                throw new RegistryException($"{what}: invalid manifest: {field} has a negative size");
        }
    }

    public async Task<Descriptor?> HeadManifestAsync(Reference reference, CancellationToken ct = default)
    {
        var target = reference.Digest?.ToString() ?? reference.Tag ?? Reference.DefaultTag;
        return await OnReadEndpoints(reference.Domain, async ep =>
        {
            var url = ep.Url($"v2/{reference.Path}/manifests/{target}");
            using var response = await _transport.SendAsync(ep, PullScope(reference), HttpMethod.Head, url, headers: AcceptManifests, ct: ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw PullError(await ErrorAsync(response, ct), reference, url, HttpMethod.Head);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var digest)
                && response.Content.Headers.ContentLength is long size && (MediaTypes.IsManifest(mediaType) || MediaTypes.IsIndex(mediaType)))
                return Descriptor.For(mediaType!, digest, size);
            // No digest header (or an odd type): the body says it all.
            var m = await GetManifestAsync(reference, ct);
            return Descriptor.For(m.MediaType, m.Digest, m.Bytes.Length);
        }, ct);
    }

    public async Task<Stream> OpenBlobAsync(Reference repository, Descriptor blob, CancellationToken ct = default)
    {
        var digest = blob.ParsedDigest;
        var what = $"blob {digest} of {repository.FamiliarRepository}";
        RegistryException? last = null;
        foreach (var candidate in _transport.ReadCandidates(repository.Domain))
        {
            try
            {
                var ep = await _transport.EndpointAsync(repository.Domain, ct, candidate);
                var url = ep.Url($"v2/{repository.Path}/blobs/{digest}");
                var first = await OpenBlobAtAsync(ep, repository, url, 0, what, ct);
                return new ResumingBlobStream(first, blob.Size, what, (offset, c) => OpenBlobAtAsync(ep, repository, url, offset, what, c),
                    m => _transport.Warn(null, m));
            }
            catch (RegistryException e) { last = e; }
        }
        throw last!;
    }

    private async Task<Stream> OpenBlobAtAsync(Endpoint ep, Reference repository, Uri url, long offset, string what, CancellationToken ct)
    {
        var response = await _transport.SendAsync(ep, PullScope(repository), HttpMethod.Get, url,
            headers: offset > 0 ? h => h.Range = new RangeHeaderValue(offset, null) : null, ct: ct);
        try
        {
            if (!response.IsSuccessStatusCode) throw (await ErrorAsync(response, ct)).Let(e => e.Rephrase($"Get \"{url}\": {e.Message}"));
            var body = _transport.IdleBounded(await response.Content.ReadAsStreamAsync(ct), what);
            var owned = new ResponseStream(body, response);
            if (offset == 0) return owned;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                var range = response.Content.Headers.ContentRange;
                if (range?.From != offset)
                {
                    owned.Dispose();
                    throw new RegistryException($"{what}: asked for bytes from {offset}, the registry sent {range?.ToString() ?? "no Content-Range"}", 206);
                }
                return owned;
            }
            // 200: the server ignored Range and sends the whole blob again; skip what was already read.
            var skip = new byte[81920];
            long left = offset;
            while (left > 0)
            {
                int n = await owned.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), ct);
                if (n == 0) { owned.Dispose(); throw new IOException($"{what}: the body ended while skipping to byte {offset}"); }
                left -= n;
            }
            return owned;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<bool> BlobExistsAsync(Reference repository, Digest digest, CancellationToken ct = default)
    {
        var ep = await _transport.EndpointAsync(repository.Domain, ct);
        var url = ep.Url($"v2/{repository.Path}/blobs/{digest}");
        using var response = await _transport.SendAsync(ep, PushScope(repository), HttpMethod.Head, url, ct: ct);
        if (response.IsSuccessStatusCode) return true;
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        throw PushError(await ErrorAsync(response, ct), HttpMethod.Head, url);
    }

    public async Task<bool> TryMountBlobAsync(Reference repository, Digest digest, string fromPath, CancellationToken ct = default)
    {
        var ep = await _transport.EndpointAsync(repository.Domain, ct);
        var url = ep.Url($"v2/{repository.Path}/blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(fromPath)}");
        string[] scopes = [Scope.Repository(repository.Path, Scope.PullPush), Scope.Repository(fromPath, Scope.Pull)];
        using var response = await _transport.SendAsync(ep, scopes, HttpMethod.Post, url, content: () => new ByteArrayContent([]), ct: ct, retry: false);
        if (response.StatusCode == HttpStatusCode.Created) return true;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            // The registry started an ordinary upload instead: cancel it.
            if (response.Headers.Location is { } loc)
            {
                try
                {
                    using var _ = await _transport.SendAsync(ep, scopes, HttpMethod.Delete, Resolve(url, loc), ct: ct, retry: false);
                }
                catch (RegistryException) { }
            }
            return false;
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw PushError(await ErrorAsync(response, ct), HttpMethod.Post, url);
        return false;
    }

    /// <summary>Uploads a blob: one PUT when it is at most <see cref="ChunkedUploadThreshold"/>, PATCH chunks otherwise.
    /// <paramref name="open"/> is called again when an upload is retried; <paramref name="progress"/> gets the bytes sent so far.</summary>
    public async Task UploadBlobAsync(Reference repository, Descriptor blob, Func<Stream> open, IProgress<long>? progress, CancellationToken ct = default)
    {
        var digest = blob.ParsedDigest;
        const int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await UploadOnceAsync(repository, blob, digest, open, progress, ct);
                return;
            }
            catch (RegistryException e) when (attempt < attempts && (e.StatusCode is null or >= 500) && e.InnerException is not TimeoutException && !ct.IsCancellationRequested)
            {
                _transport.Warn(null, $"Warning: uploading {digest} to {repository.FamiliarRepository}: {e.Message}; retrying");
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
            }
        }
    }

    private async Task UploadOnceAsync(Reference repository, Descriptor blob, Digest digest, Func<Stream> open, IProgress<long>? progress, CancellationToken ct)
    {
        var ep = await _transport.EndpointAsync(repository.Domain, ct);
        var scopes = PushScope(repository);
        var start = ep.Url($"v2/{repository.Path}/blobs/uploads/");
        Uri location;
        using (var response = await _transport.SendAsync(ep, scopes, HttpMethod.Post, start, content: () => new ByteArrayContent([]), ct: ct, retry: false))
        {
            if (response.StatusCode != HttpStatusCode.Accepted || response.Headers.Location is null)
                throw PushError(await ErrorAsync(response, ct), HttpMethod.Post, start);
            location = Resolve(start, response.Headers.Location);
        }
        if (blob.Size <= ChunkedUploadThreshold)
        {
            var put = WithDigest(location, digest);
            using var response = await _transport.SendAsync(ep, scopes, HttpMethod.Put, put, content: () =>
            {
                var c = new StreamContent(new Progress.ProgressStream(open(), n => progress?.Report(n)));
                c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                c.Headers.ContentLength = blob.Size;
                return c;
            }, ct: ct, retry: false);
            if (response.StatusCode != HttpStatusCode.Created) throw PushError(await ErrorAsync(response, ct), HttpMethod.Put, put);
            return;
        }
        await using var source = open();
        var buffer = new byte[ChunkSize];
        long sent = 0;
        while (true)
        {
            int filled = 0;
            while (filled < buffer.Length)
            {
                int n = await source.ReadAsync(buffer.AsMemory(filled), ct);
                if (n == 0) break;
                filled += n;
            }
            if (filled == 0) break;
            var chunkStart = sent;
            var patchUrl = location;
            using (var response = await _transport.SendAsync(ep, scopes, HttpMethod.Patch, patchUrl, content: () =>
            {
                var c = new ByteArrayContent(buffer, 0, filled);
                c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                c.Headers.TryAddWithoutValidation("Content-Range", $"{chunkStart}-{chunkStart + filled - 1}");
                return c;
            }, ct: ct, retry: false))
            {
                if (response.StatusCode != HttpStatusCode.Accepted) throw PushError(await ErrorAsync(response, ct), HttpMethod.Patch, patchUrl);
                if (response.Headers.Location is { } next) location = Resolve(patchUrl, next);
            }
            sent += filled;
            progress?.Report(sent);
            if (filled < buffer.Length) break;
        }
        var final = WithDigest(location, digest);
        using (var response = await _transport.SendAsync(ep, scopes, HttpMethod.Put, final, content: () => new ByteArrayContent([]), ct: ct, retry: false))
            if (response.StatusCode != HttpStatusCode.Created) throw PushError(await ErrorAsync(response, ct), HttpMethod.Put, final);
    }

    public async Task<Digest> PutManifestAsync(Reference reference, ReadOnlyMemory<byte> body, string mediaType, CancellationToken ct = default)
    {
        var digest = Digest.Compute(body.Span);
        if (reference.Digest is { } d && reference.Tag is null && d != digest)
            throw new RegistryException($"manifest for {reference.ToFamiliarString()}: the body's digest is {digest}");
        var target = reference.Tag ?? digest.ToString();
        var ep = await _transport.EndpointAsync(reference.Domain, ct);
        var url = ep.Url($"v2/{reference.Path}/manifests/{target}");
        var bytes = body.ToArray();
        using var response = await _transport.SendAsync(ep, PushScope(reference), HttpMethod.Put, url, content: () =>
        {
            var c = new ByteArrayContent(bytes);
            c.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return c;
        }, ct: ct);
        if (!response.IsSuccessStatusCode) throw PushError(await ErrorAsync(response, ct), HttpMethod.Put, url);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var v) && Digest.TryParse(v.FirstOrDefault(), out var told) && told != digest)
            _transport.Warn(null, $"Warning: the registry says {reference.ToFamiliarString()} has digest {told}, the manifest sent has {digest}");
        return digest;
    }

    public async Task<IReadOnlyList<string>> ListTagsAsync(Reference repository, CancellationToken ct = default)
    {
        var tags = new List<string>();
        await OnReadEndpoints(repository.Domain, async ep =>
        {
            tags.Clear();
            await PagesAsync(ep, PullScope(repository), ep.Url($"v2/{repository.Path}/tags/list{PageQuery}"), body =>
            {
                var page = JsonSerializer.Deserialize(body, ClientJsonContext.Default.TagList);
                tags.AddRange(page?.Tags ?? []);
            }, e => PullError(e.Error, repository, e.Url, HttpMethod.Get), ct);
            return true;
        }, ct);
        return tags;
    }

    public async Task<IReadOnlyList<string>> CatalogAsync(string domain, CancellationToken ct = default)
    {
        var ep = await _transport.EndpointAsync(domain, ct);
        var repos = new List<string>();
        await PagesAsync(ep, [Scope.Catalog], ep.Url($"v2/_catalog{PageQuery}"), body =>
        {
            var page = JsonSerializer.Deserialize(body, ClientJsonContext.Default.CatalogBody);
            repos.AddRange(page?.Repositories ?? []);
        }, e => e.Error.Rephrase($"Get \"{e.Url}\": {e.Error.Message}"), ct);
        return repos;
    }

    /// <summary>The v1 search endpoint (Docker Hub's index, or a registry that has one). A registry without one
    /// (registry:2) fails with StatusCode 404; callers may then filter <see cref="CatalogAsync"/>.</summary>
    public async Task<IReadOnlyList<SearchResult>> SearchAsync(string domain, string term, int limit, CancellationToken ct = default)
    {
        var ep = domain == Reference.DefaultDomain
            ? await _transport.EndpointAsync("index.docker.io", ct)
            : await _transport.EndpointAsync(domain, ct);
        var url = ep.Url($"v1/search?q={Uri.EscapeDataString(term)}&n={limit}");
        using var response = await _transport.SendAsync(ep, [], HttpMethod.Get, url, ct: ct);
        if (!response.IsSuccessStatusCode) throw (await ErrorAsync(response, ct)).Let(e => e.Rephrase($"Get \"{url}\": {e.Message}"));
        var body = await _transport.ReadSmallAsync(response, 16 << 20, "search results", ct);
        try { return JsonSerializer.Deserialize(body, ClientJsonContext.Default.SearchBody)?.Results ?? []; }
        catch (JsonException e) { throw new RegistryException($"Get \"{url}\": invalid search results: {e.Message}", (int)response.StatusCode); }
    }

    private async Task PagesAsync(Endpoint ep, IReadOnlyList<string> scopes, Uri first, Action<byte[]> page,
        Func<(RegistryException Error, Uri Url), RegistryException> fail, CancellationToken ct)
    {
        var url = first;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (seen.Add(url.AbsoluteUri))
        {
            using var response = await _transport.SendAsync(ep, scopes, HttpMethod.Get, url, ct: ct);
            if (!response.IsSuccessStatusCode) throw fail((await ErrorAsync(response, ct), url));
            var body = await _transport.ReadSmallAsync(response, 16 << 20, $"Get \"{url}\"", ct);
            try { page(body); }
            catch (JsonException e) { throw new RegistryException($"Get \"{url}\": invalid JSON: {e.Message}", (int)response.StatusCode); }
            if (NextLink(response) is not { } next) return;
            url = Resolve(url, next);
        }
        throw new RegistryException($"Get \"{first}\": the registry's Link pagination loops at \"{url}\"");
    }

    /// <summary>The <c>rel="next"</c> target of a Link header (RFC 5988), as registries paginate.</summary>
    internal static Uri? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
            foreach (var part in value.Split(','))
            {
                int lt = part.IndexOf('<'), gt = part.IndexOf('>');
                if (lt < 0 || gt < lt) continue;
                var parameters = part[(gt + 1)..].Replace(" ", "");
                if (parameters.Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase) || parameters.Contains("rel=next", StringComparison.OrdinalIgnoreCase))
                    return new Uri(part[(lt + 1)..gt], UriKind.RelativeOrAbsolute);
            }
        return null;
    }

    /// <summary>Tries docker.io's mirrors, then docker.io itself; other registries have one endpoint.</summary>
    private async Task<T> OnReadEndpoints<T>(string domain, Func<Endpoint, Task<T>> operation, CancellationToken ct)
    {
        var candidates = _transport.ReadCandidates(domain);
        for (int i = 0; ; i++)
        {
            try { return await operation(await _transport.EndpointAsync(domain, ct, candidates[i])); }
            catch (RegistryException e) when (i < candidates.Count - 1 && !ct.IsCancellationRequested)
            {
                _transport.Warn(null, $"Warning: registry mirror {candidates[i]}: {e.Message}; trying the next endpoint");
            }
        }
    }

    private static void AcceptManifests(HttpRequestHeaders h)
    {
        foreach (var mt in ManifestAccept) h.Accept.Add(new MediaTypeWithQualityHeaderValue(mt));
    }

    private string PageQuery => PageSize > 0 ? $"?n={PageSize}" : "";

    private static string[] PullScope(Reference r) => [Scope.Repository(r.Path, Scope.Pull)];
    private static string[] PushScope(Reference r) => [Scope.Repository(r.Path, Scope.PullPush)];

    private static Uri Resolve(Uri baseUri, Uri location) => location.IsAbsoluteUri ? location : new Uri(baseUri, location);

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var b = new UriBuilder(location);
        var q = b.Query.TrimStart('?');
        b.Query = (q.Length > 0 ? q + "&" : "") + "digest=" + Uri.EscapeDataString(digest.ToString());
        return b.Uri;
    }

    private async Task<RegistryException> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        byte[] body;
        try { body = response.RequestMessage?.Method == HttpMethod.Head ? [] : await _transport.ReadSmallAsync(response, 1 << 20, "error response", ct); }
        catch (RegistryException) { body = []; }
        return RegistryErrors.From(response.StatusCode, response.ReasonPhrase, body);
    }

    /// <summary>Docker's words for a failed read of a repository: a missing manifest, or "pull access denied".</summary>
    private static RegistryException PullError(RegistryException e, Reference reference, Uri url, HttpMethod method)
    {
        if (e.ErrorCode == RegistryTransport.NoBasicAuthCredentialsCode) return e; // already Head "URL": no basic auth credentials
        if (e.ErrorCode is "NAME_UNKNOWN" or "UNAUTHORIZED" or "DENIED" || e.StatusCode is 401 or 403)
            return e.Rephrase($"pull access denied for {reference.FamiliarRepository}, repository does not exist or may require 'docker login': {e.Message}");
        if (e.ErrorCode == "MANIFEST_UNKNOWN" || e.StatusCode == 404)
            return e.Rephrase($"manifest for {reference.ToFamiliarString()} not found: {(e.ErrorCode is null ? "manifest unknown: manifest unknown" : e.Message)}");
        return e.Rephrase($"{RegistryTransport.Verb(method)} \"{url}\": {e.Message}");
    }

    /// <summary>Docker prints a refused push in the registry's words (<c>denied: requested access to the resource is denied</c>).</summary>
    private static RegistryException PushError(RegistryException e, HttpMethod method, Uri url)
        => e.StatusCode is 401 or 403 ? e : e.Rephrase($"{RegistryTransport.Verb(method)} \"{url}\": {e.Message}");

    /// <summary>A body that disposes its response with it.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : Quai.Fs.ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.ReadAsync(buffer, offset, count, ct);
        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); response.Dispose(); }
            base.Dispose(disposing);
        }
    }
}

internal static class ExceptionExtensions
{
    public static RegistryException Let(this RegistryException e, Func<RegistryException, RegistryException> f) => f(e);
}
