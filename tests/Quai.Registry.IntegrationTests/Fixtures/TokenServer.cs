using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>One token request the <see cref="TokenServer"/> answered: the user (null = anonymous),
/// the scopes asked for, the HTTP method (GET, or POST for OAuth2 form requests), the grant type of a
/// POST, and the status it answered.</summary>
public sealed record TokenRequest(string? User, IReadOnlyList<string> Scopes, string Method, string? GrantType, int Status);

/// <summary>A Docker token server (distribution's "token" auth) of the fixtures' own, Kestrel on
/// 127.0.0.1 with a kernel-chosen port, plain http. GET /token?service=&amp;scope=… with Basic
/// credentials (none = anonymous), and POST /token with an OAuth2 form (grant_type=password or
/// refresh_token), as Docker's clients send them. It issues RS256 JWTs the registry accepts: the x5c
/// header carries its self-signed signing certificate, which is the registry's rootcertbundle
/// (<see cref="RootCertBundlePath"/>); claims iss/sub/aud=service/exp/nbf/iat/jti/access.
/// A known user gets the actions it asked for (unless <see cref="Policy"/> says otherwise), anonymous
/// gets pull only when <see cref="AllowAnonymousPull"/>, wrong credentials get 401. It answers
/// {"token","access_token","expires_in","issued_at"} (plus "refresh_token" when asked with
/// offline_token=true or access_type=offline) and counts the tokens it issued per scope string.</summary>
public sealed class TokenServer : IDisposable
{
    private readonly KestrelApp _app;
    private readonly RSA _key;
    private readonly X509Certificate2 _cert;
    private readonly ConcurrentDictionary<string, string> _users = new();
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, int> _issued = new();
    private readonly ConcurrentQueue<TokenRequest> _requests = new();

    /// <summary>The service name (the registry's auth.token.service and the tokens' aud).</summary>
    public string Service { get; } = "quai-test-registry";
    /// <summary>The issuer (auth.token.issuer and the tokens' iss).</summary>
    public string Issuer { get; } = "quai-test-token-issuer";
    /// <summary>http://127.0.0.1:PORT/token, the registry's auth.token.realm.</summary>
    public string Realm => _app.BaseUri + "token";
    /// <summary>"127.0.0.1:PORT".</summary>
    public string Host => _app.Host;
    /// <summary>PEM file of the signing certificate: the registry's auth.token.rootcertbundle.</summary>
    public string RootCertBundlePath { get; }
    /// <summary>Anonymous requests get the pull action (only) when true.</summary>
    public bool AllowAnonymousPull { get; set; }
    /// <summary>The tokens' lifetime (expires_in and exp); default 5 minutes. The registry accepts a token
    /// until 60 s after its exp (distribution's clock-skew leeway, measured with registry 2.8.2): a short
    /// Lifetime makes clients refetch sooner but does not make the registry refuse; use <see cref="ExpiredNext"/>.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);
    private int _expiredNext;
    /// <summary>The next N tokens are issued already expired for the registry (exp 5 minutes ago, beyond
    /// its leeway) while their expires_in still says <see cref="Lifetime"/>: the registry answers 401 to
    /// them, as to a token that expired or was revoked; tests of "refresh the token on 401" use it.</summary>
    public int ExpiredNext { get => Volatile.Read(ref _expiredNext); set => Volatile.Write(ref _expiredNext, value); }
    /// <summary>Optional grant policy: (user or null, resource type, resource name, requested actions)
    /// → granted actions. Replaces the default rule (users get what they ask, anonymous pull if allowed).</summary>
    public Func<string?, string, string, string[], string[]>? Policy { get; set; }

    public TokenServer(string dir, string user, string password, bool allowAnonymousPull = false)
    {
        AllowAnonymousPull = allowAnonymousPull;
        _users[user] = password;
        _key = RSA.Create(2048);
        var req = new CertificateRequest($"CN=quai test token signer {Guid.NewGuid():N}", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        _cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Directory.CreateDirectory(dir);
        RootCertBundlePath = Path.Combine(dir, "token-signer.crt");
        File.WriteAllText(RootCertBundlePath, _cert.ExportCertificatePem() + "\n");
        _app = new KestrelApp(Handle);
    }

    /// <summary>Another user the server accepts.</summary>
    public void AddUser(string user, string password) => _users[user] = password;

    /// <summary>Tokens issued for exactly this scope string (e.g. "repository:app:pull,push"), as requested.</summary>
    public int Issued(string scope) => _issued.TryGetValue(scope, out var n) ? n : 0;
    /// <summary>Tokens issued for a scope naming this repository (any actions).</summary>
    public int IssuedForRepository(string repository) =>
        _issued.Where(kv => kv.Key.StartsWith("repository:" + repository + ":", StringComparison.Ordinal)).Sum(kv => kv.Value);
    /// <summary>All tokens issued (a token for several scopes counts once; a token without scope, as
    /// for a login, counts under the scope "").</summary>
    public int TotalIssued => _requests.Count(r => r.Status == 200);
    /// <summary>Tokens issued per requested scope string.</summary>
    public IReadOnlyDictionary<string, int> IssuedByScope => new Dictionary<string, int>(_issued);
    /// <summary>Every request answered, in order.</summary>
    public IReadOnlyList<TokenRequest> Requests => _requests.ToArray();
    /// <summary>Forgets the counts and the request log.</summary>
    public void ResetCounts() { _issued.Clear(); _requests.Clear(); }

    private async Task Handle(HttpContext ctx)
    {
        if (ctx.Request.Path != "/token") { ctx.Response.StatusCode = 404; return; }
        string? user = null, password = null, grantType = null;
        var scopes = new List<string>();
        bool offline;
        if (HttpMethods.IsPost(ctx.Request.Method))
        {
            var form = await ctx.Request.ReadFormAsync();
            grantType = form["grant_type"].ToString();
            scopes.AddRange(form["scope"].SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            offline = form["access_type"] == "offline";
            if (grantType == "password") { user = form["username"]; password = form["password"]; }
            else if (grantType == "refresh_token")
            {
                if (!_refreshTokens.TryGetValue(form["refresh_token"].ToString(), out var u)) { await Refuse(ctx, null, scopes, grantType); return; }
                user = u; password = _users.GetValueOrDefault(u);
            }
            else { await Refuse(ctx, null, scopes, grantType, 400, "unsupported grant_type"); return; }
        }
        else
        {
            scopes.AddRange(ctx.Request.Query["scope"].SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            offline = ctx.Request.Query["offline_token"] == "true";
            var auth = ctx.Request.Headers.Authorization.ToString();
            if (auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                string decoded;
                try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim())); }
                catch (FormatException) { await Refuse(ctx, null, scopes, null); return; }
                var colon = decoded.IndexOf(':');
                if (colon < 0) { await Refuse(ctx, null, scopes, null); return; }
                user = decoded[..colon]; password = decoded[(colon + 1)..];
            }
        }
        if (user is not null && (!_users.TryGetValue(user, out var expected) || expected != password))
        { await Refuse(ctx, user, scopes, grantType); return; }
        if (user is null && grantType is not null) { await Refuse(ctx, null, scopes, grantType); return; }

        var access = new JsonArray();
        foreach (var scope in scopes)
        {
            var first = scope.IndexOf(':');
            var last = scope.LastIndexOf(':');
            if (first < 0 || last <= first) continue;
            var type = scope[..first];
            var name = scope[(first + 1)..last];
            var requested = scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
            var granted = Policy?.Invoke(user, type, name, requested)
                ?? (user is not null ? requested : AllowAnonymousPull ? requested.Where(a => a == "pull").ToArray() : []);
            var actions = new JsonArray();
            foreach (var a in granted) actions.Add(a);
            access.Add(new JsonObject { ["type"] = type, ["name"] = name, ["actions"] = actions });
        }
        var now = DateTimeOffset.UtcNow;
        var expired = false;
        for (int n; (n = Volatile.Read(ref _expiredNext)) > 0;)
            if (Interlocked.CompareExchange(ref _expiredNext, n - 1, n) == n) { expired = true; break; }
        var exp = expired ? now.AddMinutes(-5) : now + Lifetime;
        var token = Sign(new JsonObject
        {
            ["iss"] = Issuer, ["sub"] = user ?? "", ["aud"] = Service,
            ["exp"] = exp.ToUnixTimeSeconds(), ["nbf"] = (expired ? now.AddMinutes(-10) : now.AddSeconds(-10)).ToUnixTimeSeconds(),
            ["iat"] = (expired ? now.AddMinutes(-10) : now).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"), ["access"] = access,
        });
        foreach (var s in scopes.Count == 0 ? [""] : scopes) _issued.AddOrUpdate(s, 1, (_, n) => n + 1);
        _requests.Enqueue(new TokenRequest(user, scopes, ctx.Request.Method, grantType, 200));
        var body = new JsonObject
        {
            ["token"] = token, ["access_token"] = token, ["expires_in"] = (int)Lifetime.TotalSeconds,
            ["issued_at"] = now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
        };
        if (offline && user is not null)
        {
            var refresh = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            _refreshTokens[refresh] = user;
            body["refresh_token"] = refresh;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString());
    }

    private async Task Refuse(HttpContext ctx, string? user, List<string> scopes, string? grantType, int status = 401, string details = "incorrect username or password")
    {
        _requests.Enqueue(new TokenRequest(user, scopes, ctx.Request.Method, grantType, status));
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(new JsonObject { ["details"] = details }.ToJsonString());
    }

    private string Sign(JsonObject claims)
    {
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(_cert.RawData)) };
        var signingInput = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var sig = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64(sig);
    }

    private static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() { _app.Dispose(); _key.Dispose(); _cert.Dispose(); }
}
