using System.Diagnostics;
using System.Text;
using Quai.Engine.IntegrationTests;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>What a failed pull must leave: a non-zero exit, and the store as it was (same blob files, same
/// images) once a later command has collected what the failed pull's lease held.</summary>
internal static class Untouched
{
    public static (HashSet<string> Blobs, string Images) Snapshot(RegistryQuai q) => (q.Blobs(), Images(q));

    public static string Images(RegistryQuai q) => q.Ok("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");

    /// <summary>Asserts stderr of <paramref name="r"/> holds <paramref name="text"/> (the whole result shown when not).</summary>
    public static void Says(Result r, string text, StringComparison comparison = StringComparison.Ordinal) =>
        Assert.True(r.Err.Contains(text, comparison), $"stderr lacks \"{text}\": {r}");

    /// <summary>Asserts <paramref name="r"/> failed with exit 1 and that the store is as <paramref name="before"/>.</summary>
    public static void Assert_(RegistryQuai q, Result r, (HashSet<string> Blobs, string Images) before)
    {
        Assert.True(r.Code == 1, $"expected exit 1: {r}");
        Assert.Equal(before.Images, Images(q)); // this command also collects what the failed pull's lease held
        var now = q.Blobs();
        Assert.True(before.Blobs.SetEquals(now), $"blobs left: {string.Join(' ', now.Except(before.Blobs))}; gone: {string.Join(' ', before.Blobs.Except(now))}");
    }
}

/// <summary>Bad input from a scripted registry (issue 9's "Bad input" list): each pull fails with a clear message
/// (Docker's words where Docker has them), exits 1 and leaves nothing in the store.</summary>
public sealed class ScriptedBadInputTests : IDisposable
{
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();
    private readonly ScriptedRegistry _s = new();

    public ScriptedBadInputTests() => _q.Q.Env["QUAI_REGISTRY_TIMEOUT"] = "5";

    public void Dispose() { _s.Dispose(); _q.Dispose(); _tmp.Dispose(); }

    private static string Repo(string prefix) => RegistryServer.UniqueRepo(prefix);

    private TestImage Image(string name, long extra = 0, int seed = 0) =>
        TestImages.Busybox(_tmp.Sub(name), tag: "v1", extraLayerBytes: extra, seed: seed);

    private Result PullFails(string reference, out (HashSet<string>, string) before)
    {
        before = Untouched.Snapshot(_q);
        return _q.Run("pull", reference);
    }

    [Fact]
    public void A_manifest_that_is_not_json_is_refused()
    {
        var repo = Repo("notjson");
        _s.MapManifest(repo, "v1", Encoding.UTF8.GetBytes("<html><body>502 Bad Gateway</body></html>"), TestImages.ManifestType);
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, $"manifest for {_s.Ref(repo + ":v1")}");
        Untouched.Says(r, "invalid");
        Untouched.Assert_(_q, r, before);
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":42,\"layers\":\"none\"}")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:nothex\",\"size\":2},\"layers\":[]}")]
    public void A_manifest_of_the_wrong_shape_is_refused(string json)
    {
        var repo = Repo("shape");
        _s.MapManifest(repo, "v1", Encoding.UTF8.GetBytes(json), TestImages.ManifestType);
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, "manifest");
        Assert.DoesNotContain("   at ", r.Err); // a message, not a stack trace
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void An_oversized_manifest_is_refused_before_it_is_read()
    {
        var repo = Repo("huge");
        var padding = new string(' ', (4 << 20) + 16);
        _s.MapManifest(repo, "v1", Encoding.UTF8.GetBytes("{\"schemaVersion\":2," + padding + "\"layers\":[]}"), TestImages.ManifestType);
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, $"manifest for {_s.Ref(repo + ":v1")}");
        Untouched.Says(r, "4194304");
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void A_schema_1_manifest_is_not_supported_in_dockers_words()
    {
        var repo = Repo("schema1");
        _s.MapManifest(repo, "v1", TestImages.Schema1Manifest(repo, "v1"), TestImages.Schema1Type);
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, "Docker Image manifest version 2, schema 1 is not supported");
        Untouched.Says(r, "upgrade the image to the OCI Format or Docker Image manifest v2, schema 2");
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void A_layer_that_does_not_hash_to_its_digest_is_refused()
    {
        var repo = Repo("badlayer");
        var image = Image("badlayer", extra: 128 * 1024, seed: 21);
        _s.ServeImage(repo, image);
        var real = File.ReadAllBytes(image.BlobPath(image.Layers[1].Digest));
        real[real.Length / 2] ^= 0x5A;
        _s.MapBlob(repo, image.Layers[1].Digest, real);
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, image.Layers[1].Digest);
        Untouched.Says(r, "digest");
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void A_config_that_does_not_hash_to_its_digest_is_refused()
    {
        var repo = Repo("badconfig");
        var image = Image("badconfig");
        _s.ServeImage(repo, image);
        var config = image.ConfigBytes;
        config[^2] = config[^2] == (byte)' ' ? (byte)'\n' : (byte)' '; // same size, other bytes
        _s.MapBlob(repo, image.Config.Digest, config);
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, image.Config.Digest);
        Untouched.Says(r, "digest");
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void A_manifest_asked_by_digest_that_does_not_match_it_is_refused()
    {
        var repo = Repo("wrongdigest");
        var asked = Image("asked");
        var other = Image("other", extra: 4096, seed: 22);
        _s.ServeImage(repo, other);
        // the registry answers the digest of "asked" with the bytes of "other" (and their own digest header)
        _s.MapManifest(repo, asked.Manifest.Digest, other.ManifestBytes, other.Manifest.MediaType);
        var r = PullFails(_s.Ref(repo + "@" + asked.Manifest.Digest), out var before);
        Untouched.Says(r, $"manifest verification failed for digest {asked.Manifest.Digest}");
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void A_blob_redirected_to_another_host_pulls_without_sending_it_the_credentials()
    {
        using var storage = new ScriptedRegistry();
        var repo = Repo("redirect");
        var image = Image("redirect", extra: 64 * 1024, seed: 23);
        _s.Map("GET", "/v2/", ScriptedResponse.Error(401, "UNAUTHORIZED", "authentication required")
            .WithHeader("WWW-Authenticate", "Basic realm=\"scripted\""));
        _s.ServeImage(repo, image);
        foreach (var blob in image.Layers.Append(image.Config))
        {
            var path = $"/storage/{blob.Hex}";
            storage.Map("GET", path, ScriptedResponse.Blob(File.ReadAllBytes(image.BlobPath(blob.Digest))));
            _s.Map("GET", $"/v2/{repo}/blobs/{blob.Digest}", ScriptedResponse.Redirect($"http://{storage.Host}{path}?X-Amz-Signature=abc"));
        }
        _q.SaveLogin(_s.Host, "alice", "secret");
        var reference = _s.Ref(repo + ":v1");
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains($"Digest: {image.Manifest.Digest}", r.Out);

        var manifestGets = _s.Requests.Where(q => q.Path == $"/v2/{repo}/manifests/v1").ToList();
        Assert.NotEmpty(manifestGets);
        Assert.All(manifestGets, q => Assert.StartsWith("Basic ", q.Headers.GetValueOrDefault("Authorization") ?? ""));
        var stored = storage.Requests;
        Assert.Equal(image.Layers.Count + 1, stored.Select(q => q.Path).Distinct().Count());
        Assert.All(stored, q => Assert.False(q.Headers.ContainsKey("Authorization"), $"{q.Method} {q.Path} carried Authorization: {q.Headers.GetValueOrDefault("Authorization")}"));
        Assert.All(stored, q => Assert.Equal("?X-Amz-Signature=abc", q.Query));
        Assert.Equal("redirected", _q.Ok("run", "--rm", reference, "echo", "redirected"));
    }

    [Fact]
    public void A_redirect_loop_fails_with_a_clear_message()
    {
        var repo = Repo("loop");
        var image = Image("loop", extra: 4096, seed: 24);
        _s.ServeImage(repo, image);
        var a = $"/v2/{repo}/blobs/{image.Layers[1].Digest}";
        var b = $"/elsewhere/{image.Layers[1].Hex}";
        _s.Map("GET", a, ScriptedResponse.Redirect($"http://{_s.Host}{b}"));
        _s.Map("GET", b, ScriptedResponse.Redirect($"http://{_s.Host}{a}"));
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, "redirect");
        Untouched.Says(r, image.Layers[1].Digest);
        Assert.InRange(_s.Hits("GET", a) + _s.Hits("GET", b), 2, 40);
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void Busy_answers_with_retry_after_are_waited_for_then_the_pull_works()
    {
        var repo = Repo("busy");
        var image = Image("busy", extra: 4096, seed: 25);
        _s.ServeImage(repo, image);
        var manifest = $"/v2/{repo}/manifests/v1";
        var layer = $"/v2/{repo}/blobs/{image.Layers[1].Digest}";
        _s.Map("GET", manifest, ScriptedResponse.RetryAfter(503, 1), ScriptedResponse.Manifest(image.ManifestBytes, image.Manifest.MediaType));
        _s.Map("GET", layer, ScriptedResponse.RetryAfter(429, 1), ScriptedResponse.RetryAfter(429, 1),
            ScriptedResponse.Blob(File.ReadAllBytes(image.BlobPath(image.Layers[1].Digest))));
        var reference = _s.Ref(repo + ":v1");
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(2, _s.Hits("GET", manifest));
        Assert.Equal(3, _s.Hits("GET", layer));
        Assert.Equal("ok", _q.Ok("run", "--rm", reference, "echo", "ok"));
    }

    [Fact]
    public void A_registry_that_always_fails_gives_up_after_bounded_retries()
    {
        var repo = Repo("broken");
        var manifest = $"/v2/{repo}/manifests/v1";
        _s.Map("GET", manifest, ScriptedResponse.Json(500, "oops", "text/plain"));
        var r = PullFails(_s.Ref(repo + ":v1"), out var before);
        Untouched.Says(r, "500 Internal Server Error");
        Untouched.Says(r, manifest);
        Assert.InRange(_s.Hits("GET", manifest), 2, 10);
        Untouched.Assert_(_q, r, before);
    }
}

/// <summary>A registry that hangs in each of <see cref="HangMode"/>'s ways: the pull fails (not waits forever)
/// once the configured registry timeout has passed without progress, naming the registry.</summary>
public sealed class HangingRegistryTests : IDisposable
{
    private readonly RegistryQuai _q = new();

    public void Dispose() => _q.Dispose();

    [Theory]
    [InlineData(HangMode.NeverAnswers)]
    [InlineData(HangMode.AnswersPingThenHangs)]
    [InlineData(HangMode.HangsInBody)]
    public void Each_hang_fails_within_the_configured_timeout(HangMode mode)
    {
        using var hang = new HangingServer(mode);
        _q.Q.Env["QUAI_REGISTRY_TIMEOUT"] = "2";
        var before = Untouched.Snapshot(_q);
        var sw = Stopwatch.StartNew();
        var r = _q.Run("pull", hang.Host + "/app:v1");
        sw.Stop();
        Untouched.Says(r, hang.Host);
        Untouched.Says(r, "timeout");
        Assert.DoesNotContain("app:v1: manifest for", r.Err); // said once
        // generous: a few timeouts (https then http, a retry) but far from the 120 s a run is allowed
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(45), $"pull took {sw.Elapsed}: {r}");
        Assert.True(hang.Connections > 0);
        Untouched.Assert_(_q, r, before);
    }
}

/// <summary>The real registry refusing: wrong passwords (basic over TLS, token), unknown repository, unknown tag.</summary>
public sealed class PlainBadInputTests(PlainRegistryFixture f) : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    [Fact]
    public void An_unknown_tag_is_dockers_manifest_not_found()
    {
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("unknowntag") + ":v1");
        var name = reference[..reference.LastIndexOf(':')];
        var before = Untouched.Snapshot(_q);
        var r = _q.Run("pull", name + ":nope");
        Untouched.Says(r, $"manifest for {name}:nope not found: manifest unknown: manifest unknown");
        Untouched.Assert_(_q, r, before);
    }

    [Fact]
    public void An_unknown_repository_is_dockers_manifest_not_found()
    {
        // docker-registry 2.8 answers a manifest of an unknown repository with MANIFEST_UNKNOWN, so docker says this
        var name = _r.Ref("no-such-repo-" + Guid.NewGuid().ToString("N")[..8]);
        var before = Untouched.Snapshot(_q);
        var r = _q.Run("pull", name + ":v1");
        Untouched.Says(r, $"manifest for {name}:v1 not found: manifest unknown: manifest unknown");
        Untouched.Assert_(_q, r, before);
    }
}

public sealed class TlsBasicBadInputTests(TlsBasicRegistryFixture f) : IClassFixture<TlsBasicRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    [Fact]
    public void A_wrong_password_is_unauthorized_and_stores_nothing()
    {
        _q.Q.Env["QUAI_CERTS_DIR"] = _r.CertsDir!;
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("wrongpw") + ":v1");
        _q.SaveLogin(_r.Host, _r.User!, "not-" + _r.Password);
        var before = Untouched.Snapshot(_q);
        var r = _q.Run("pull", reference);
        Untouched.Says(r, "unauthorized: authentication required");
        Untouched.Says(r, reference[..reference.LastIndexOf(':')]);
        Untouched.Assert_(_q, r, before);
    }
}

public sealed class TokenBadInputTests(TokenRegistryFixture f) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    [Fact]
    public void A_wrong_password_at_the_token_server_is_unauthorized_and_stores_nothing()
    {
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("wrongtoken") + ":v1");
        _q.SaveLogin(_r.Host, _r.User!, "not-" + _r.Password);
        var before = Untouched.Snapshot(_q);
        var r = _q.Run("pull", reference);
        Untouched.Says(r, "unauthorized: authentication required");
        Untouched.Says(r, $"/v2/{reference[(reference.IndexOf('/') + 1)..reference.LastIndexOf(':')]}/manifests/v1\": unauthorized");
        Untouched.Assert_(_q, r, before);
    }
}
