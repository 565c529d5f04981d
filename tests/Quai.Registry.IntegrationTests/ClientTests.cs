using System.Text;
using System.Text.Json.Nodes;
using Quai.Oci.Image;
using Quai.Registry.Auth;
using Quai.Registry.Client;
using Quai.Registry.Config;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>What every setup of the real docker-registry must serve through <see cref="RegistryClient"/>.</summary>
public abstract class ClientContract(RegistryServer registry) : IDisposable
{
    protected readonly RegistryServer R = registry;
    protected readonly TempDir Tmp = new();

    public void Dispose() => Tmp.Dispose();

    /// <summary>A client with the registry's credentials in a private config.json and its certs.d.</summary>
    protected RegistryClient Client(string? user = null, string? password = null, StringWriter? warnings = null, int pageSize = 0)
    {
        var store = CredentialStore.Open(Tmp.Sub("docker-" + Guid.NewGuid().ToString("N")[..6]));
        if ((user ?? R.User) is { } u) store.Store(R.Host, new Credential(u, password ?? R.Password!));
        var config = new RegistryConfig(certsDir: R.CertsDir ?? Tmp.Sub("no-certs"), timeout: TimeSpan.FromSeconds(20));
        return new RegistryClient(config, store, warnings) { PageSize = pageSize, ChunkedUploadThreshold = 256 * 1024, ChunkSize = 100_000 };
    }

    protected (TestImage Image, Reference Ref) Pushed(string tag = "v1", long extra = 0, bool docker = false)
    {
        var image = TestImages.Busybox(Tmp.Sub("layout-" + Guid.NewGuid().ToString("N")[..6]), tag: tag, extraLayerBytes: extra, seed: extra > 0 ? 7 : 0, docker: docker);
        // skopeo's oci: transport refuses Docker media types in a layout: those go through the fixtures' RawPush
        string pushed;
        if (docker) { using var raw = new RawPush(R); pushed = raw.Push(image, RegistryServer.UniqueRepo("client"), tag); }
        else pushed = new Skopeo(R).Push(image, RegistryServer.UniqueRepo("client") + ":" + tag);
        return (image, Reference.Parse(pushed.Replace("docker://", "")));
    }

    [Fact]
    public async Task Fetches_manifest_config_and_layer_of_a_skopeo_pushed_image()
    {
        var (image, reference) = Pushed(docker: R.Mode == RegistryMode.TlsBasic);
        using var client = Client();
        var m = await client.GetManifestAsync(reference);
        Assert.Equal(image.ManifestBytes, m.Bytes);
        Assert.Equal(image.Manifest.MediaType, m.MediaType);
        Assert.Equal(image.Manifest.Digest, m.Digest.ToString());

        var byDigest = await client.GetManifestAsync(reference.WithDigest(m.Digest));
        Assert.Equal(m.Bytes, byDigest.Bytes);
        var head = await client.HeadManifestAsync(reference);
        Assert.Equal(image.Manifest.Digest, head!.Digest);
        Assert.Equal(image.Manifest.Size, head.Size);

        foreach (var blob in new[] { image.Config, image.Layers[0] })
        {
            using var s = await client.OpenBlobAsync(reference, Descriptor.For(blob.MediaType, Digest.Parse(blob.Digest), blob.Size));
            var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            Assert.Equal(File.ReadAllBytes(image.BlobPath(blob.Digest)), ms.ToArray());
            Assert.True(await client.BlobExistsAsync(reference, Digest.Parse(blob.Digest)));
        }
        Assert.False(await client.BlobExistsAsync(reference, Digest.Compute("nope"u8)));
        Assert.Equal(["v1"], await client.ListTagsAsync(reference));
    }

    [Fact]
    public async Task Uploads_blobs_monolithic_and_chunked_then_a_manifest_skopeo_reads_back()
    {
        var image = TestImages.Busybox(Tmp.Sub("up"), tag: "up", extraLayerBytes: 600 * 1024, seed: 3);
        var reference = Reference.Parse(R.Ref(RegistryServer.UniqueRepo("upload") + ":up"));
        using var client = Client();
        var reported = new List<long>();
        foreach (var blob in new[] { image.Config }.Concat(image.Layers))
        {
            var d = Descriptor.For(blob.MediaType, Digest.Parse(blob.Digest), blob.Size);
            await client.UploadBlobAsync(reference, d, () => File.OpenRead(image.BlobPath(blob.Digest)), new SyncProgress(reported));
            Assert.True(await client.BlobExistsAsync(reference, d.ParsedDigest));
        }
        Assert.True(image.Layers.Max(l => l.Size) > 256 * 1024, "one layer must take the chunked path");
        Assert.Contains(reported, n => n == 100_000);   // a chunk boundary was reported

        var digest = await client.PutManifestAsync(reference, image.ManifestBytes, image.Manifest.MediaType);
        Assert.Equal(image.Manifest.Digest, digest.ToString());
        var raw = new Skopeo(R).Inspect(reference.ToString(), raw: true);
        Assert.True(raw.Ok, raw.ToString());
        Assert.Equal(image.ManifestBytes, Encoding.UTF8.GetBytes(raw.Out));
        var byDigest = await client.PutManifestAsync(reference.WithDigest(digest), image.ManifestBytes, image.Manifest.MediaType);
        Assert.Equal(digest, byDigest);
    }

    [Fact]
    public async Task Mounts_a_blob_from_another_repository()
    {
        var (image, source) = Pushed();
        var target = Reference.Parse(R.Ref(RegistryServer.UniqueRepo("mounted") + ":x"));
        using var client = Client();
        var layer = Digest.Parse(image.Layers[0].Digest);
        Assert.False(await client.BlobExistsAsync(target, layer));
        Assert.True(await client.TryMountBlobAsync(target, layer, source.Path));
        Assert.True(await client.BlobExistsAsync(target, layer));
        Assert.False(await client.TryMountBlobAsync(target, Digest.Compute("absent"u8), source.Path));
    }

    [Fact]
    public async Task Unknown_tag_and_unknown_repository_in_dockers_words()
    {
        var (_, reference) = Pushed();
        using var client = Client();
        var nope = reference.WithTag("nope");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(nope));
        Assert.Equal($"manifest for {nope.ToFamiliarString()} not found: manifest unknown: manifest unknown", e.Message);
        Assert.Equal("MANIFEST_UNKNOWN", e.ErrorCode);
        Assert.Null(await client.HeadManifestAsync(nope));

        var missing = Reference.Parse(R.Ref(RegistryServer.UniqueRepo("missing") + ":v1"));
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(missing));
        Assert.Contains(e2.ErrorCode, new[] { "NAME_UNKNOWN", "MANIFEST_UNKNOWN" });
        Assert.Contains(missing.FamiliarRepository, e2.Message);
        Assert.Equal(404, e2.StatusCode);
    }

    [Fact]
    public async Task Tags_follow_link_pagination_and_catalog_lists_repositories()
    {
        var (image, reference) = Pushed("t0");
        var skopeo = new Skopeo(R);
        for (int i = 1; i < 5; i++) skopeo.Copy(reference.ToString(), reference.WithTag("t" + i).ToString()).OrThrow();
        using var client = Client(pageSize: 2);
        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], (await client.ListTagsAsync(reference)).Order());
        var catalog = await client.CatalogAsync(R.Host);
        Assert.Contains(reference.Path, catalog);
    }
}

public sealed class PlainClientTests(PlainRegistryFixture f) : ClientContract(f.Registry), IClassFixture<PlainRegistryFixture>
{
    [Fact]
    public async Task A_blob_download_resumes_with_range_after_a_dropped_connection()
    {
        var (image, reference) = Pushed(extra: 1 << 20);
        using var proxy = new CuttingProxy(R, cutFirst: 2, cutAfterBytes: 100_000);
        var big = image.Layers.MaxBy(l => l.Size)!;
        var warnings = new StringWriter();
        using var client = new RegistryClient(new RegistryConfig(certsDir: Tmp.Sub("none")), null, warnings);
        var through = Reference.Parse(proxy.Ref(reference.Path + ":v1"));
        using var s = await client.OpenBlobAsync(through, Descriptor.For(big.MediaType, Digest.Parse(big.Digest), big.Size));
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        Assert.Equal(File.ReadAllBytes(image.BlobPath(big.Digest)), ms.ToArray());
        Assert.Equal(2, proxy.Cuts);
        Assert.Equal(["bytes=100000-", "bytes=200000-"], proxy.RangeHeaders);
        Assert.Contains("resuming at byte 100000", warnings.ToString());
    }
}

public sealed class TlsBasicClientTests(TlsBasicRegistryFixture f) : ClientContract(f.Registry), IClassFixture<TlsBasicRegistryFixture>
{
    [Fact]
    public async Task Wrong_password_fails_login_and_pull_in_dockers_words()
    {
        var (_, reference) = Pushed();
        using var client = Client(password: "wrong");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.LoginAsync(R.Host, new Credential(R.User!, "wrong")));
        Assert.Equal($"login attempt to https://{R.Host}/v2/ failed with status: 401 Unauthorized", e.Message);
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(reference));
        Assert.StartsWith($"pull access denied for {reference.FamiliarRepository}, repository does not exist or may require 'docker login': unauthorized: ", e2.Message);
        Assert.Equal(401, e2.StatusCode);
        await client.LoginAsync(R.Host, new Credential(R.User!, R.Password!));
        Assert.NotNull(await client.HeadManifestAsync(reference));   // the login's credential is used from then on
    }
}

public sealed class TokenClientTests(TokenRegistryFixture f) : ClientContract(f.Registry), IClassFixture<TokenRegistryFixture>
{
    [Fact]
    public async Task One_token_serves_parallel_downloads_of_a_repository()
    {
        var (image, reference) = Pushed(extra: 300_000);
        R.TokenServer!.ResetCounts();
        using var client = Client();
        var m = await client.GetManifestAsync(reference);
        var blobs = new[] { image.Config }.Concat(image.Layers).ToArray();
        await Task.WhenAll(blobs.Select(async b =>
        {
            using var s = await client.OpenBlobAsync(reference, Descriptor.For(b.MediaType, Digest.Parse(b.Digest), b.Size));
            await s.CopyToAsync(Stream.Null);
        }));
        Assert.Equal(1, R.TokenServer.Issued(Scope.Repository(reference.Path, Scope.Pull)));
        Assert.Equal(1, R.TokenServer.TotalIssued);
    }

    [Fact]
    public async Task A_token_the_registry_refuses_is_fetched_again()
    {
        var (_, reference) = Pushed();
        using var client = Client();
        R.TokenServer!.ResetCounts();
        R.TokenServer.ExpiredNext = 1;
        await client.GetManifestAsync(reference);
        Assert.Equal(2, R.TokenServer.Issued(Scope.Repository(reference.Path, Scope.Pull)));
    }

    [Fact]
    public async Task An_identity_token_is_exchanged_through_the_refresh_token_grant()
    {
        var (_, reference) = Pushed();
        string refresh;
        using (var http = new HttpClient())
        {
            var ask = new HttpRequestMessage(HttpMethod.Get, $"{R.TokenServer!.Realm}?service={R.TokenServer.Service}&offline_token=true");
            ask.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{R.User}:{R.Password}")));
            using var answer = await http.SendAsync(ask);
            refresh = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["refresh_token"]!.GetValue<string>();
        }
        var dir = Tmp.Sub("idtoken");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), new JsonObject { ["auths"] = new JsonObject { [R.Host] = new JsonObject { ["auth"] = "Og==", ["identitytoken"] = refresh } } }.ToJsonString());
        R.TokenServer.ResetCounts();
        using var client = new RegistryClient(new RegistryConfig(certsDir: Tmp.Sub("none")), CredentialStore.Open(dir));
        await client.GetManifestAsync(reference);
        var request = Assert.Single(R.TokenServer.Requests);
        Assert.Equal(("POST", "refresh_token", 200), (request.Method, request.GrantType, request.Status));
        Assert.Equal(R.User, request.User);
    }

    [Fact]
    public async Task Wrong_password_and_anonymous_in_dockers_words()
    {
        var (_, reference) = Pushed();
        using var client = Client(password: "wrong");
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.LoginAsync(R.Host, new Credential(R.User!, "wrong")));
        Assert.StartsWith($"Get \"http://{R.Host}/v2/\": unauthorized", e.Message);
        using var anonymous = new RegistryClient(new RegistryConfig(certsDir: Tmp.Sub("none")), null);
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => anonymous.GetManifestAsync(reference));
        Assert.StartsWith($"pull access denied for {reference.FamiliarRepository}, repository does not exist or may require 'docker login'", e2.Message);
    }
}

/// <summary>Misbehaving servers: scripted answers, hangs.</summary>
public sealed class MisbehavingRegistryTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private RegistryClient Client(TimeSpan? timeout = null, StringWriter? warnings = null, CredentialStore? store = null)
        => new(new RegistryConfig(certsDir: _tmp.Sub("none"), timeout: timeout ?? TimeSpan.FromSeconds(20)), store, warnings);

    [Fact]
    public async Task Retry_after_429_is_honoured_then_the_manifest_arrives()
    {
        using var s = new ScriptedRegistry();
        var image = TestImages.Busybox(_tmp.Sub("l"));
        s.ServeImage("app", image, "v1");
        s.Map("GET", "/v2/app/manifests/v1", ScriptedResponse.RetryAfter(429, 1), ScriptedResponse.Manifest(image.ManifestBytes, image.Manifest.MediaType));
        using var client = Client();
        var m = await client.GetManifestAsync(Reference.Parse(s.Ref("app:v1")));
        Assert.Equal(image.ManifestBytes, m.Bytes);
        Assert.Equal(2, s.Hits("GET", "/v2/app/manifests/v1"));
    }

    [Fact]
    public async Task Endless_503_gives_up_with_the_registrys_error()
    {
        using var s = new ScriptedRegistry();
        s.Map("GET", "/v2/app/manifests/v1", ScriptedResponse.RetryAfter(503, 0));
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference.Parse(s.Ref("app:v1"))));
        Assert.Contains("service unavailable", e.Message);
        Assert.Equal(503, e.StatusCode);
        Assert.Equal(5, s.Hits("GET", "/v2/app/manifests/v1"));   // one try and 4 retries
    }

    [Fact]
    public async Task A_redirect_to_another_host_drops_authorization()
    {
        using var storage = new ScriptedRegistry();
        using var s = new ScriptedRegistry();
        var blob = Encoding.UTF8.GetBytes("blob content");
        var digest = Digest.Compute(blob);
        storage.Map("GET", "/storage/blob", ScriptedResponse.Blob(blob));
        s.Map("GET", "/v2/", ScriptedResponse.Empty(401).WithHeader("WWW-Authenticate", "Basic realm=\"scripted\""));
        s.Map("GET", $"/v2/app/blobs/{digest}", ScriptedResponse.Redirect(storage.BaseUri + "storage/blob"));
        var store = CredentialStore.Open(_tmp.Sub("cfg"));
        store.Store(s.Host, new Credential("user", "pw"));
        using var client = Client(store: store);
        using var body = await client.OpenBlobAsync(Reference.Parse(s.Ref("app:v1")), Descriptor.For(MediaTypes.OciLayerGzip, digest, blob.Length));
        var ms = new MemoryStream();
        await body.CopyToAsync(ms);
        Assert.Equal(blob, ms.ToArray());
        Assert.StartsWith("Basic ", s.Requests.Single(r => r.Path.Contains("/blobs/")).Headers["Authorization"]);
        Assert.False(storage.Requests.Single().Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task A_resume_the_server_answers_with_the_whole_blob_skips_what_was_read()
    {
        using var s = new ScriptedRegistry();
        var blob = new byte[300_000];
        new Random(5).NextBytes(blob);
        var digest = Digest.Compute(blob);
        // first answer: the full Content-Length but only a third of the body (the server then drops the connection)
        s.Map("GET", $"/v2/app/blobs/{digest}",
            ScriptedResponse.Blob(blob[..100_000]).WithHeader("Content-Length", blob.Length.ToString()),
            ScriptedResponse.Blob(blob));
        using var client = Client(warnings: new StringWriter());
        using var body = await client.OpenBlobAsync(Reference.Parse(s.Ref("app:v1")), Descriptor.For(MediaTypes.OciLayerGzip, digest, blob.Length));
        var ms = new MemoryStream();
        await body.CopyToAsync(ms);
        Assert.Equal(blob, ms.ToArray());
        var gets = s.Requests.Where(r => r.Path.Contains("/blobs/")).ToList();
        Assert.Equal(2, gets.Count);
        Assert.StartsWith("bytes=", gets[1].Headers["Range"]);
    }

    [Fact]
    public async Task Docker_hub_reads_go_to_the_mirror_first()
    {
        using var mirror = new ScriptedRegistry();
        var image = TestImages.Busybox(_tmp.Sub("l"));
        mirror.ServeImage("library/busybox", image, "latest");
        var config = new RegistryConfig(mirrors: [mirror.BaseUri], certsDir: _tmp.Sub("none"));
        using var client = new RegistryClient(config, null);
        var m = await client.GetManifestAsync(Reference.Parse("busybox"));
        Assert.Equal(image.ManifestBytes, m.Bytes);
        Assert.Equal(["latest"], await client.ListTagsAsync(Reference.Parse("busybox")));
        Assert.Equal(1, mirror.Hits("GET", "/v2/library/busybox/manifests/latest"));
    }

    [Fact]
    public async Task A_redirect_loop_is_an_error()
    {
        using var s = new ScriptedRegistry();
        s.Map("GET", "/v2/app/manifests/v1", ScriptedResponse.Redirect(s.BaseUri + "v2/app/manifests/v2"));
        s.Map("GET", "/v2/app/manifests/v2", ScriptedResponse.Redirect(s.BaseUri + "v2/app/manifests/v1"));
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference.Parse(s.Ref("app:v1"))));
        Assert.Contains("redirect loop", e.Message);
    }

    [Fact]
    public async Task Schema1_is_refused_and_digest_and_size_are_checked()
    {
        using var s = new ScriptedRegistry();
        s.MapManifest("old", "v1", TestImages.Schema1Manifest("old", "v1"), TestImages.Schema1Type);
        var big = new byte[(4 << 20) + 10];
        "{\"a\":\""u8.CopyTo(big);
        s.MapManifest("big", "v1", big, MediaTypes.OciManifest);
        var image = TestImages.Busybox(_tmp.Sub("l"));
        var other = Digest.Compute("other"u8);
        s.MapManifest("liar", other.ToString(), image.ManifestBytes, image.Manifest.MediaType);
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference.Parse(s.Ref("old:v1"))));
        Assert.Contains("schema 1 is not supported", e.Message);
        var e2 = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference.Parse(s.Ref("big:v1"))));
        Assert.Contains("more than the 4194304", e2.Message);
        var e3 = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference.Parse(s.Ref("liar@" + other))));
        Assert.Contains("manifest verification failed for digest " + other, e3.Message);
    }

    [Fact]
    public async Task Tags_pagination_follows_relative_links()
    {
        using var s = new ScriptedRegistry();
        s.Map("GET", "/v2/app/tags/list",
            ScriptedResponse.Json(200, """{"name":"app","tags":["a","b"]}""").WithHeader("Link", "</v2/app/tags/list?last=b&n=2>; rel=\"next\""),
            ScriptedResponse.Json(200, """{"name":"app","tags":["c"]}"""));
        using var client = Client();
        Assert.Equal(["a", "b", "c"], await client.ListTagsAsync(Reference.Parse(s.Ref("app:x"))));
    }

    [Theory]
    [InlineData(HangMode.NeverAnswers)]
    [InlineData(HangMode.AnswersPingThenHangs)]
    public async Task A_hanging_registry_fails_within_the_timeout(HangMode mode)
    {
        using var h = new HangingServer(mode);
        using var client = Client(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference.Parse(h.Host + "/app:v1")));
        Assert.Contains("timeout awaiting response headers", e.Message);
    }

    [Fact]
    public async Task A_stalled_body_fails_after_bounded_resumes()
    {
        using var h = new HangingServer(HangMode.HangsInBody);
        var warnings = new StringWriter();
        using var client = Client(TimeSpan.FromSeconds(1), warnings);
        var d = Descriptor.For(MediaTypes.OciLayerGzip, Digest.Compute("x"u8), 1 << 20);
        using var s = await client.OpenBlobAsync(Reference.Parse(h.Host + "/app:v1"), d);
        var e = await Assert.ThrowsAsync<RegistryException>(() => s.CopyToAsync(Stream.Null));
        Assert.Contains("gave up after 5 attempts to resume", e.Message);
        Assert.Contains("no data received for 1s", e.Message);
    }
}

/// <summary>certs.d trust for a registry that is not insecure: the machine's host name (it must resolve to the
/// loopback, as /etc/hosts has it here) names a TLS ScriptedRegistry whose certificate a private CA signed.</summary>
public sealed class CertsDirTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task A_ca_in_certs_d_is_trusted_for_its_host_only()
    {
        var name = System.Net.Dns.GetHostName();
        Assert.Contains(System.Net.Dns.GetHostAddresses(name), System.Net.IPAddress.IsLoopback);
        var ca = TestCa.Create(_tmp.Sub("ca"));
        var (_, _, cert) = ca.IssueServer(_tmp.Sub("server"), "server", name);
        using var s = new ScriptedRegistry(cert);
        var image = TestImages.Busybox(_tmp.Sub("l"));
        s.ServeImage("app", image, "v1");
        var domain = $"{name}:{s.Port}";
        var certs = _tmp.Sub("certs.d");
        var config = new RegistryConfig(certsDir: certs, timeout: TimeSpan.FromSeconds(20));
        Assert.False(config.IsInsecure(domain));
        var reference = Reference.Parse(domain + "/app:v1");

        using (var untrusting = new RegistryClient(config, null))
        {
            var e = await Assert.ThrowsAsync<RegistryException>(() => untrusting.GetManifestAsync(reference));
            Assert.Contains($"https://{domain}/v2/", e.Message);
            Assert.Empty(s.Requests);   // no http fallback for a secure registry
        }
        // trusted for another host only: still refused
        Directory.CreateDirectory(Path.Combine(certs, $"{name}:{s.Port + 1}"));
        File.Copy(ca.CertPath, Path.Combine(certs, $"{name}:{s.Port + 1}", "ca.crt"));
        using (var other = new RegistryClient(config, null))
            await Assert.ThrowsAsync<RegistryException>(() => other.GetManifestAsync(reference));

        Directory.CreateDirectory(Path.Combine(certs, domain));
        File.Copy(ca.CertPath, Path.Combine(certs, domain, "ca.crt"));
        using var trusting = new RegistryClient(config, null);
        Assert.Equal(image.ManifestBytes, (await trusting.GetManifestAsync(reference)).Bytes);
    }
}

internal sealed class SyncProgress(List<long> into) : IProgress<long>
{
    public void Report(long value) { lock (into) into.Add(value); }
}
