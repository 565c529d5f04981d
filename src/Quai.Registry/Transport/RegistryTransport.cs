using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quai.Registry.Auth;
using Quai.Registry.Client;
using Quai.Registry.Config;

namespace Quai.Registry.Transport;

/// <summary>One request to a registry, done the way Docker does it: https first (http for an insecure registry
/// that speaks no TLS), Bearer tokens from the <c>WWW-Authenticate</c> challenge (cached per scope) or Basic auth,
/// retries with backoff on 429/5xx honouring Retry-After, redirects followed here (at most 10, loops refused,
/// Authorization only ever sent to the registry itself), a bounded wait for the headers. Thread-safe.</summary>
internal sealed class RegistryTransport : IDisposable
{
    public const int MaxRedirects = 10;
    private const string DockerHubApi = "https://registry-1.docker.io";

    private readonly RegistryConfig _config;
    private readonly CredentialStore? _store;
    private readonly TextWriter? _warnings;
    private readonly HostHandlers _handlers;
    private readonly TokenCache _tokens = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<Endpoint>>> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Credential?> _credentials = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _warned = new();

    public RetryPolicy Retry { get; init; } = new();
    public TimeSpan Timeout => _config.Timeout;

    /// <summary>How many token requests were made (diagnostics and tests).</summary>
    public int TokenRequests => _tokenRequests;
    private int _tokenRequests;

    public RegistryTransport(RegistryConfig config, CredentialStore? store, TextWriter? warnings)
    {
        _config = config;
        _store = store;
        _warnings = warnings;
        _handlers = new HostHandlers(config);
    }

    public void Dispose() => _handlers.Dispose();

    /// <summary>Uses <paramref name="credential"/> for <paramref name="domain"/> from now on (after a login).</summary>
    public void UseCredential(string domain, Credential? credential) => _credentials[domain] = credential;

    private Credential? CredentialFor(string domain)
        => _credentials.GetOrAdd(domain, d => _store?.Get(d));

    /// <summary>Where reads of <paramref name="domain"/> are tried, in order: docker.io's mirrors first, as Docker
    /// (null = the registry itself). Each is resolved only when it is reached.</summary>
    public IReadOnlyList<Uri?> ReadCandidates(string domain)
        => domain == Quai.Oci.Image.Reference.DefaultDomain && _config.Mirrors.Count > 0 ? [.. _config.Mirrors, null] : [null];

    /// <summary>Resolves (once, then cached) how <paramref name="domain"/> is reached, by pinging its <c>/v2/</c>.</summary>
    public Task<Endpoint> EndpointAsync(string domain, CancellationToken ct, Uri? mirror = null)
    {
        var key = mirror?.ToString() ?? domain;
        var lazy = _endpoints.GetOrAdd(key, _ => new Lazy<Task<Endpoint>>(() => PingAsync(domain, mirror, CancellationToken.None)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled) _endpoints.TryRemove(new KeyValuePair<string, Lazy<Task<Endpoint>>>(key, lazy));
        return task.WaitAsync(ct).ContinueWith(t =>
        {
            if (t.IsFaulted) _endpoints.TryRemove(new KeyValuePair<string, Lazy<Task<Endpoint>>>(key, lazy));
            return t;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
    }

    private async Task<Endpoint> PingAsync(string domain, Uri? mirror, CancellationToken ct)
    {
        Uri secure = mirror is not null ? new Uri(mirror.GetLeftPart(UriPartial.Authority) + "/")
            : domain == Quai.Oci.Image.Reference.DefaultDomain ? new Uri(DockerHubApi + "/") : new Uri("https://" + domain + "/");
        var insecure = _config.IsInsecure(mirror?.Authority ?? domain);
        if (mirror?.Scheme == "http") return (await PingOneAsync(domain, secure, ct, registryOnly: false))!;   // a mirror given as http:// is used as given
        try
        {
            return (await PingOneAsync(domain, secure, ct, registryOnly: false))!;
        }
        catch (RegistryException e) when (insecure && secure.Scheme == "https")
        {
            var plain = new UriBuilder(secure) { Scheme = "http", Port = secure.IsDefaultPort ? 80 : secure.Port }.Uri;
            // an https server answers plain http with 400 (Go's "Client sent an HTTP request to an HTTPS server"): the
            // registry is the https one, and its error (a refused handshake, say) is the one to report
            if (await PingOneAsync(domain, plain, ct, registryOnly: true) is { } ep) return ep;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
            throw; // not reached
        }
    }

    /// <summary>With <paramref name="registryOnly"/>, null unless the answer is a registry's (200, 401 or a 5xx).</summary>
    private async Task<Endpoint?> PingOneAsync(string domain, Uri baseUri, CancellationToken ct, bool registryOnly)
    {
        var ep = new Endpoint(domain, baseUri);
        var url = ep.Url("v2/");
        using var response = await SendOnceAsync(new HttpRequestMessage(HttpMethod.Get, url), ct);
        if (registryOnly && response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Unauthorized) && (int)response.StatusCode < 500)
            return null;
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            ep.Challenges = AuthChallenge.Parse(response.Headers.TryGetValues("WWW-Authenticate", out var v) ? v : []);
        else if (!response.IsSuccessStatusCode && (int)response.StatusCode >= 500)
        {
            // a registry that answers its ping with an error is still the registry; the operation will report what it says
        }
        return ep;
    }

    /// <summary>Sends a request and returns the final response (after auth, redirects and retries); the caller
    /// disposes it and maps non-success statuses. <paramref name="content"/> is called once per attempt.</summary>
    public async Task<HttpResponseMessage> SendAsync(Endpoint ep, IReadOnlyList<string> scopes, HttpMethod method, Uri url,
        Func<HttpContent?>? content = null, Action<HttpRequestHeaders>? headers = null, CancellationToken ct = default,
        bool retry = true)
    {
        int attempt = 0, hops = 0;
        bool reauthenticated = false;
        var waited = TimeSpan.Zero;
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };
        var current = url;
        var currentMethod = method;
        while (true)
        {
            var request = new HttpRequestMessage(currentMethod, current);
            headers?.Invoke(request.Headers);
            if (currentMethod != HttpMethod.Get && currentMethod != HttpMethod.Head) request.Content = content?.Invoke();
            string? token = null;
            // a refused token names the request it was for, as docker does: Head "URL": unauthorized: …
            try { if (ep.SameOrigin(current)) token = await AuthorizeAsync(ep, scopes, request, ct); }
            catch (RegistryException e) when (e.StatusCode is 401 or 403) { throw e.Rephrase($"{Verb(currentMethod)} \"{current}\": {e.Message}"); }

            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(request, ct);
            }
            catch (RegistryException e) when (retry && e.StatusCode is null && IsIdempotent(currentMethod) && Retry.Delay(attempt, null, waited) is { } d && e.InnerException is not TimeoutException)
            {
                Warn(null, $"Warning: {e.Message}; retrying in {d.TotalSeconds:0.#}s");
                await Task.Delay(d, ct);
                waited += d;
                attempt++;
                continue;
            }

            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (++hops > MaxRedirects)
                    throw new RegistryException($"{Verb(method)} \"{url}\": stopped after {MaxRedirects} redirects");
                if (!visited.Add(next.AbsoluteUri))
                    throw new RegistryException($"{Verb(method)} \"{url}\": redirect loop at \"{next}\"");
                if (status == 303 || (status is 301 or 302 && currentMethod == HttpMethod.Post)) currentMethod = HttpMethod.Get;
                current = next;
                continue;
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && ep.SameOrigin(current) && !reauthenticated)
            {
                var challenges = AuthChallenge.Parse(response.Headers.TryGetValues("WWW-Authenticate", out var v) ? v : []);
                bool worthRetry = challenges.Count > 0 && (token is not null || ep.Challenges.Count == 0 || !SameChallenges(ep.Challenges, challenges));
                if (challenges.Count > 0) ep.Challenges = challenges;
                if (token is not null) _tokens.Invalidate(token);
                if (worthRetry || token is not null)
                {
                    response.Dispose();
                    reauthenticated = true;
                    continue;
                }
            }
            if (retry && RetryPolicy.IsRetryable(response.StatusCode)
                && Retry.Delay(attempt, response.Headers.RetryAfter, waited) is { } delay)
            {
                response.Dispose();
                await Task.Delay(delay, ct);
                waited += delay;
                attempt++;
                continue;
            }
            return response;
        }
    }

    private static bool SameChallenges(IReadOnlyList<AuthChallenge> a, IReadOnlyList<AuthChallenge> b)
        => a.Count == b.Count && a.Zip(b).All(p => p.First.Scheme.Equals(p.Second.Scheme, StringComparison.OrdinalIgnoreCase)
            && p.First["realm"] == p.Second["realm"] && p.First["scope"] == p.Second["scope"]);

    private static bool IsIdempotent(HttpMethod m) => m == HttpMethod.Get || m == HttpMethod.Head || m == HttpMethod.Put || m == HttpMethod.Delete;

    internal static string Verb(HttpMethod m) => m.Method.Length == 0 ? "" : m.Method[0] + m.Method[1..].ToLowerInvariant();

    /// <summary>One HTTP exchange up to the response headers, within the configured timeout.</summary>
    public async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_config.Timeout);
        try
        {
            return await _handlers.For(request.RequestUri!).SendAsync(request, cts.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new RegistryException($"{Verb(request.Method)} \"{request.RequestUri}\": net/http: timeout awaiting response headers (no answer within {_config.Timeout.TotalSeconds:0.#}s)",
                inner: new TimeoutException(e.Message, e));
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"{Verb(request.Method)} \"{request.RequestUri}\": {Describe(e)}", inner: e);
        }
    }

    private static string Describe(HttpRequestException e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x.Message.Length > 0 && !parts.Contains(x.Message)) parts.Add(x.Message);
        return string.Join(": ", parts);
    }

    /// <summary>Adds the Authorization header the endpoint's challenges ask for; returns the Bearer token used.</summary>
    private async Task<string?> AuthorizeAsync(Endpoint ep, IReadOnlyList<string> scopes, HttpRequestMessage request, CancellationToken ct)
    {
        var bearer = ep.Challenges.FirstOrDefault(c => c.IsBearer && c["realm"] is { Length: > 0 });
        var credential = CredentialFor(ep.Domain);
        if (bearer is not null)
        {
            // A pull,push token of the same repository serves a pull (push checks blobs, then reads them).
            if (scopes is [var only] && only.EndsWith(":" + Scope.Pull, StringComparison.Ordinal)
                && _tokens.TryPeek(TokenCache.Key(ep, [only[..^Scope.Pull.Length] + Scope.PullPush]), out var wider))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", wider);
                return wider;
            }
            var token = await _tokens.GetAsync(TokenCache.Key(ep, scopes), () => FetchTokenAsync(ep, bearer, credential, scopes, ct), ct);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return token;
        }
        if (ep.Challenges.Any(c => c.IsBasic))
        {
            // docker sends nothing without a login and says so (distribution's ErrNoBasicAuthCredentials)
            if (credential is not { IsIdentityToken: false }) throw new RegistryException(NoBasicAuthCredentials, 401, NoBasicAuthCredentialsCode);
            request.Headers.Authorization = BasicHeader(credential);
        }
        return null;
    }

    public const string NoBasicAuthCredentials = "no basic auth credentials", NoBasicAuthCredentialsCode = "NO_BASIC_AUTH_CREDENTIALS";

    public static AuthenticationHeaderValue BasicHeader(Credential c)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Username + ":" + c.Secret)));

    /// <summary>Asks the challenge's realm for a token for <paramref name="scopes"/> (none: a login check), with
    /// the credential when there is one (Basic, or an OAuth2 refresh-token grant for an identity token).</summary>
    public async Task<(string Token, TimeSpan Lifetime)> FetchTokenAsync(Endpoint ep, AuthChallenge bearer, Credential? credential,
        IReadOnlyList<string> scopes, CancellationToken ct)
    {
        Interlocked.Increment(ref _tokenRequests);
        var realm = new Uri(bearer["realm"]!);
        var service = bearer["service"];
        HttpRequestMessage request;
        if (credential is { IsIdentityToken: true })
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "refresh_token"), new("refresh_token", credential.Secret), new("client_id", "quai"),
            };
            if (service is not null) form.Add(new("service", service));
            if (scopes.Count > 0) form.Add(new("scope", string.Join(' ', scopes)));
            request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : "");
            if (service is not null) query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
            foreach (var s in scopes) query.Append("scope=").Append(Uri.EscapeDataString(s)).Append('&');
            if (credential is not null) query.Append("account=").Append(Uri.EscapeDataString(credential.Username)).Append('&');
            var url = new UriBuilder(realm) { Query = query.ToString().TrimEnd('&') }.Uri;
            request = new HttpRequestMessage(HttpMethod.Get, url);
            if (credential is not null) request.Headers.Authorization = BasicHeader(credential);
        }
        // The token server may redirect, fail transiently: a small loop of its own, never sending credentials elsewhere.
        for (int attempt = 0; ; attempt++)
        {
            using var response = await SendOnceAsync(request, ct);
            var body = await ReadSmallAsync(response, 1 << 20, "token response", ct);
            if (response.IsSuccessStatusCode)
            {
                TokenResponse? t;
                try { t = JsonSerializer.Deserialize(body, AuthJsonContext.Default.TokenResponse); }
                catch (JsonException e) { throw new RegistryException($"{Verb(request.Method)} \"{realm}\": invalid token response: {e.Message}", (int)response.StatusCode); }
                var token = t?.Token is { Length: > 0 } tok ? tok : t?.AccessToken;
                if (string.IsNullOrEmpty(token)) throw new RegistryException($"{Verb(request.Method)} \"{realm}\": the token server's response has no token");
                var lifetime = TimeSpan.FromSeconds(t!.ExpiresIn is int s && s > 0 ? s : 60);
                return (token, lifetime);
            }
            if (RetryPolicy.IsRetryable(response.StatusCode) && Retry.Delay(attempt, response.Headers.RetryAfter, TimeSpan.Zero) is { } d)
            {
                await Task.Delay(d, ct);
                request = Clone(request);
                continue;
            }
            throw RegistryErrors.From(response.StatusCode, response.ReasonPhrase, body);
        }
    }

    private static HttpRequestMessage Clone(HttpRequestMessage r)
    {
        var c = new HttpRequestMessage(r.Method, r.RequestUri) { Content = r.Content };
        foreach (var h in r.Headers) c.Headers.TryAddWithoutValidation(h.Key, h.Value);
        return c;
    }

    /// <summary>Reads a small body (JSON, a manifest) within the idle timeout, refusing more than <paramref name="cap"/> bytes.</summary>
    public async Task<byte[]> ReadSmallAsync(HttpResponseMessage response, int cap, string what, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength is long len && len > cap)
            throw new RegistryException($"{what}: {len} bytes is more than the {cap} allowed", (int)response.StatusCode);
        await using var raw = await response.Content.ReadAsStreamAsync(ct);
        await using var body = new IdleTimeoutStream(raw, _config.Timeout, what);
        var ms = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (ms.Length + n > cap) throw new RegistryException($"{what}: more than the {cap} bytes allowed", (int)response.StatusCode);
                ms.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException or HttpRequestException)
        {
            throw new RegistryException(e is TimeoutException ? e.Message : $"{what}: {e.Message}", inner: e); // a timeout already names it
        }
        return ms.ToArray();
    }

    public Stream IdleBounded(Stream raw, string what) => new IdleTimeoutStream(raw, _config.Timeout, what);

    public void Warn(string? once, string message)
    {
        if (_warnings is null) return;
        if (once is not null && !_warned.TryAdd(once, true)) return;
        lock (_warnings) _warnings.WriteLine(message);
    }
}
