using System.Text.Json.Nodes;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

public sealed class PlainRegistryTests(PlainRegistryFixture f) : IClassFixture<PlainRegistryFixture>
{
    private readonly RegistryServer _r = f.Registry;

    [Fact]
    public void Skopeo_pushes_a_layout_and_inspect_reads_it_back()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"), tag: "v1");
        var skopeo = new Skopeo(_r);
        var repo = RegistryServer.UniqueRepo("plain");
        var pushed = skopeo.Push(image, repo + ":v1");

        var raw = skopeo.Inspect(pushed, raw: true);
        Assert.True(raw.Ok, raw + "\n" + _r.Log);
        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(raw.Out));
        var info = JsonNode.Parse(skopeo.Inspect(pushed).OrThrow().Out)!;
        Assert.Equal("amd64", info["Architecture"]!.GetValue<string>());
        Assert.Equal(image.Manifest.Digest, info["Digest"]!.GetValue<string>());
        Assert.True(File.Exists(_r.BlobDataPath(image.Layers[0].Digest)), "layer blob not at BlobDataPath");
        Assert.Equal(image.Layers[0].Size, new FileInfo(_r.BlobDataPath(image.Layers[0].Digest)).Length);
    }

    [Fact]
    public void A_multi_arch_index_pushed_with_all_lists_both_platforms()
    {
        using var tmp = new TempDir();
        var index = TestImages.MultiArch(tmp.Sub("layout"), "multi");
        var skopeo = new Skopeo(_r);
        var pushed = skopeo.Push(index, RegistryServer.UniqueRepo("multi") + ":multi");
        var raw = JsonNode.Parse(skopeo.Inspect(pushed, raw: true).OrThrow().Out)!;
        Assert.Equal(TestImages.IndexType, raw["mediaType"]!.GetValue<string>());
        var platforms = raw["manifests"]!.AsArray().Select(m => m!["platform"]!["architecture"]!.GetValue<string>()).ToArray();
        Assert.Equal(["amd64", "arm64"], platforms);
        Assert.Equal("v8", raw["manifests"]![1]!["platform"]!["variant"]!.GetValue<string>());
        var arm = JsonNode.Parse(skopeo.Inspect(pushed, false, "--override-arch", "arm64", "--override-variant", "v8").OrThrow().Out)!;
        Assert.Equal(index.Index.Digest, arm["Digest"]!.GetValue<string>());   // skopeo reports the index's digest
        Assert.Equal(index.For("arm64").Layers[0].Digest, arm["Layers"]![0]!.GetValue<string>());
        Assert.Equal("arm64", arm["Architecture"]!.GetValue<string>());
        Assert.NotEqual(index.For("amd64").Layers[0].Digest, index.For("arm64").Layers[0].Digest);
    }

    [Fact]
    public void Docker_media_types_push_verbatim_with_raw_push()
    {
        using var tmp = new TempDir();
        var skopeo = new Skopeo(_r);
        using var push = new RawPush(_r);
        var image = TestImages.Busybox(tmp.Sub("single"), docker: true);
        var pushed = push.Push(image, RegistryServer.UniqueRepo("docker"), "latest");
        var raw = JsonNode.Parse(skopeo.Inspect(pushed, raw: true).OrThrow().Out)!;
        Assert.Equal(TestImages.DockerManifestType, raw["mediaType"]!.GetValue<string>());
        Assert.Equal(TestImages.DockerLayerType, raw["layers"]![0]!["mediaType"]!.GetValue<string>());
        var list = TestImages.MultiArch(tmp.Sub("list"), "multi", docker: true);
        var listed = push.Push(list, RegistryServer.UniqueRepo("docker-list"), "multi");
        var rawList = skopeo.Inspect(listed, raw: true).OrThrow().Out;
        Assert.Equal(list.IndexBytes, System.Text.Encoding.UTF8.GetBytes(rawList));
        Assert.Equal(TestImages.DockerListType, JsonNode.Parse(rawList)!["mediaType"]!.GetValue<string>());
        var arm = JsonNode.Parse(skopeo.Inspect(listed, false, "--override-arch", "arm64").OrThrow().Out)!;
        Assert.Equal(list.For("arm64").Layers[0].Digest, arm["Layers"]![0]!.GetValue<string>());
    }

    [Fact]
    public void A_blob_tampered_through_BlobDataPath_is_served_as_tampered()
    {
        using var tmp = new TempDir();
        // blobs are shared by all repositories of a registry: tamper only one that is this test's own
        var image = TestImages.Busybox(tmp.Sub("layout"), extraLayerBytes: 1000, seed: Random.Shared.Next());
        var repo = RegistryServer.UniqueRepo("tamper");
        new Skopeo(_r).Push(image, repo + ":latest");
        var layer = image.Layers[1];
        var path = _r.BlobDataPath(layer.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Tool.Run("curl", "-sS", "-f", "-o", tmp.Sub("got"), $"{_r.BaseUri}v2/{repo}/blobs/{layer.Digest}").OrThrow();
        Assert.Equal(bytes, File.ReadAllBytes(tmp.Sub("got")));
    }

    [Fact]
    public void Test_images_are_deterministic_and_their_diff_ids_match_the_layers()
    {
        using var tmp = new TempDir();
        var a = TestImages.Busybox(tmp.Sub("a"), extraLayerBytes: 4096, seed: 7);
        var b = TestImages.Busybox(tmp.Sub("b"), extraLayerBytes: 4096, seed: 7);
        var c = TestImages.Busybox(tmp.Sub("c"), extraLayerBytes: 4096, seed: 8);
        Assert.Equal(a.Manifest.Digest, b.Manifest.Digest);
        Assert.NotEqual(a.Layers[1].Digest, c.Layers[1].Digest);
        Assert.Equal(2, a.Layers.Count);
        for (var i = 0; i < a.Layers.Count; i++)
        {
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(a.BlobPath(a.Layers[i].Digest)), System.IO.Compression.CompressionMode.Decompress);
            var hex = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(gz)).ToLowerInvariant();
            Assert.Equal(a.DiffIds[i], "sha256:" + hex);
        }
        var config = JsonNode.Parse(a.ConfigBytes)!;
        Assert.Equal("sh", config["config"]!["Cmd"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Podman_pulls_into_its_private_store_and_leaves_no_mount()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        var pushed = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("podman") + ":latest");
        string root;
        using (var podman = new Podman())
        {
            root = podman.Root;
            var pull = podman.Pull(_r, pushed);
            Assert.True(pull.Ok, pull + "\n" + _r.Log);
            var inspect = podman.Run("image", "inspect", "--format", "{{.Digest}}", pushed).OrThrow();
            Assert.Equal(image.Manifest.Digest, inspect.Out.Trim());
        }
        Assert.False(Directory.Exists(root));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(root));
    }
}

public sealed class TlsBasicRegistryTests(TlsBasicRegistryFixture f) : IClassFixture<TlsBasicRegistryFixture>
{
    private readonly RegistryServer _r = f.Registry;

    [Fact]
    public void Skopeo_pushes_over_https_with_the_ca_and_credentials_and_reads_it_back()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        var skopeo = new Skopeo(_r);
        var pushed = skopeo.Push(image, RegistryServer.UniqueRepo("tls") + ":latest");
        var raw = skopeo.Inspect(pushed, raw: true);
        Assert.True(raw.Ok, raw + "\n" + _r.Log);
        Assert.Equal(image.Manifest.Digest, JsonNode.Parse(skopeo.Inspect(pushed).OrThrow().Out)!["Digest"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(_r.CertsDir!, _r.Host, "ca.crt")));
    }

    [Fact]
    public void Wrong_password_and_no_credentials_are_refused()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        var skopeo = new Skopeo(_r);
        var pushed = skopeo.Push(image, RegistryServer.UniqueRepo("tls-refuse") + ":latest");
        var wrong = skopeo.WithCreds(_r.User, "not-the-password").Inspect(pushed, raw: true);
        Assert.False(wrong.Ok, wrong.ToString());
        Assert.Contains("unauthorized", wrong.Err, StringComparison.OrdinalIgnoreCase);
        var anonymous = skopeo.WithCreds(null, null).Inspect(pushed, raw: true);
        Assert.False(anonymous.Ok, anonymous.ToString());
    }

    [Fact]
    public void Raw_push_authenticates_with_basic()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        using var push = new RawPush(_r);
        var pushed = push.Push(image, RegistryServer.UniqueRepo("tls-raw"), "v1");
        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(new Skopeo(_r).Inspect(pushed, raw: true).OrThrow().Out));
        using var wrong = new RawPush(_r, _r.User, "wrong");
        Assert.Throws<InvalidOperationException>(() => wrong.Push(image, RegistryServer.UniqueRepo("tls-raw-wrong"), "v1"));
    }

    [Fact]
    public void Without_the_ca_the_certificate_is_not_trusted()
    {
        var r = new Skopeo(_r.Host, http: false, certDir: null, _r.User, _r.Password).Inspect(_r.Ref("whatever:latest"), raw: true);
        Assert.False(r.Ok, r.ToString());
        Assert.Contains("certificate", r.Err);
    }

    [Fact]
    public void Curl_with_the_ca_reaches_v2_and_gets_401_without_credentials()
    {
        var r = Tool.Run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", _r.CaPath!, $"https://{_r.Host}/v2/").OrThrow();
        Assert.Equal("401", r.Out);
        var localhost = Tool.Run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", _r.CaPath!, "-u", $"{_r.User}:{_r.Password}", $"https://localhost:{_r.Port}/v2/").OrThrow();
        Assert.Equal("200", localhost.Out);
    }
}

public sealed class TokenRegistryTests(TokenRegistryFixture f) : IClassFixture<TokenRegistryFixture>
{
    private readonly RegistryServer _r = f.Registry;

    [Fact]
    public void Skopeo_pushes_with_token_auth_and_the_counts_move()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        var skopeo = new Skopeo(_r);
        var repo = RegistryServer.UniqueRepo("token");
        var token = _r.TokenServer!;
        Assert.Equal(0, token.IssuedForRepository(repo));
        var pushed = skopeo.Push(image, repo + ":latest");
        Assert.True(token.IssuedForRepository(repo) > 0, string.Join(", ", token.IssuedByScope.Select(kv => $"{kv.Key}={kv.Value}")));
        var before = token.Issued($"repository:{repo}:pull");
        var raw = skopeo.Inspect(pushed, raw: true);
        Assert.True(raw.Ok, raw + "\n" + _r.Log);
        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(raw.Out));
        Assert.True(token.Issued($"repository:{repo}:pull") > before, string.Join(", ", token.IssuedByScope.Select(kv => $"{kv.Key}={kv.Value}")));
    }

    [Fact]
    public void Raw_push_goes_through_the_token_dance()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"), docker: true);
        using var push = new RawPush(_r);
        var repo = RegistryServer.UniqueRepo("token-raw");
        var pushed = push.Push(image, repo, "v1");
        Assert.True(_r.TokenServer!.Issued($"repository:{repo}:pull,push") > 0);
        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(new Skopeo(_r).Inspect(pushed, raw: true).OrThrow().Out));
    }

    [Fact]
    public void Wrong_password_is_refused_by_the_token_server_and_anonymous_by_the_registry()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        var skopeo = new Skopeo(_r);
        var pushed = skopeo.Push(image, RegistryServer.UniqueRepo("token-refuse") + ":latest");
        var wrong = skopeo.WithCreds(_r.User, "nope").Inspect(pushed, raw: true);
        Assert.False(wrong.Ok, wrong.ToString());
        Assert.Contains(_r.TokenServer!.Requests, q => q.User == _r.User && q.Status == 401);
        var anonymous = skopeo.WithCreds(null, null).Inspect(pushed, raw: true);
        Assert.False(anonymous.Ok, anonymous.ToString());
    }

    [Fact]
    public void Tokens_issued_expired_are_refused_by_the_registry_and_the_next_one_works()
    {
        var ts = _r.TokenServer!;
        var repo = RegistryServer.UniqueRepo("expired");
        string Token()
        {
            var t = Tool.Run("curl", "-sS", "-f", "-u", $"{_r.User}:{_r.Password}", $"{ts.Realm}?service={ts.Service}&scope=repository:{repo}:pull").OrThrow();
            var body = JsonNode.Parse(t.Out)!;
            Assert.Equal(body["token"]!.GetValue<string>(), body["access_token"]!.GetValue<string>());
            Assert.Equal(300, body["expires_in"]!.GetValue<int>());
            return body["token"]!.GetValue<string>();
        }
        string Status(string token) => Tool.Run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + token, $"{_r.BaseUri}v2/{repo}/tags/list").OrThrow().Out;
        ts.ExpiredNext = 1;
        Assert.Equal("401", Status(Token()));
        Assert.Equal("404", Status(Token()));   // accepted: the repository does not exist
        Assert.Equal(2, ts.Issued($"repository:{repo}:pull"));
    }

    [Fact]
    public void Offline_tokens_give_a_refresh_token_that_posts_for_access_tokens()
    {
        var ts = _r.TokenServer!;
        var login = JsonNode.Parse(Tool.Run("curl", "-sS", "-f", "-u", $"{_r.User}:{_r.Password}",
            $"{ts.Realm}?service={ts.Service}&offline_token=true&client_id=quai").OrThrow().Out)!;
        var refresh = login["refresh_token"]!.GetValue<string>();
        var repo = RegistryServer.UniqueRepo("oauth");
        var post = Tool.Run("curl", "-sS", "-f", "-d", "grant_type=refresh_token", "-d", "refresh_token=" + refresh, "-d", "service=" + ts.Service,
            "-d", $"scope=repository:{repo}:pull", "-d", "client_id=quai", ts.Realm).OrThrow();
        var token = JsonNode.Parse(post.Out)!["access_token"]!.GetValue<string>();
        var status = Tool.Run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + token, $"{_r.BaseUri}v2/{repo}/tags/list").OrThrow().Out;
        Assert.Equal("404", status);
        Assert.Contains(ts.Requests, q => q.Method == "POST" && q.GrantType == "refresh_token" && q.User == _r.User && q.Status == 200);
        var bad = Tool.Run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-d", "grant_type=refresh_token", "-d", "refresh_token=nope", ts.Realm).OrThrow();
        Assert.Equal("401", bad.Out);
        var password = Tool.Run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-d", "grant_type=password", "-d", "username=" + _r.User, "-d", "password=" + _r.Password, ts.Realm).OrThrow();
        Assert.Equal("200", password.Out);
    }

    [Fact]
    public void Anonymous_pull_works_when_the_token_server_allows_it()
    {
        using var tmp = new TempDir();
        using var r = RegistryServer.Token("carol", "pw", allowAnonymousPull: true);
        var image = TestImages.Busybox(tmp.Sub("layout"));
        var skopeo = new Skopeo(r);
        var pushed = skopeo.Push(image, "anon:latest");
        var anonymous = skopeo.WithCreds(null, null).Inspect(pushed, raw: true);
        Assert.True(anonymous.Ok, anonymous + "\n" + r.Log);
        Assert.Contains(r.TokenServer!.Requests, q => q.User is null && q.Status == 200);
        var push = skopeo.WithCreds(null, null).Copy(image.OciRef, r.Ref("anon:other"));
        Assert.False(push.Ok, "anonymous push allowed: " + push);
    }
}

public sealed class CuttingProxyTests(PlainRegistryFixture f) : IClassFixture<PlainRegistryFixture>
{
    private readonly RegistryServer _r = f.Registry;

    [Fact]
    public void The_proxy_cuts_a_curl_download_and_a_range_request_resumes_it()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"), extraLayerBytes: 1 << 20, seed: 42);
        var repo = RegistryServer.UniqueRepo("cut");
        new Skopeo(_r).Push(image, repo + ":latest");
        using var proxy = new CuttingProxy(_r, cutFirst: 1, cutAfterBytes: 100_000);
        var blob = image.Layers[1];
        var url = $"{proxy.BaseUri}v2/{repo}/blobs/{blob.Digest}";
        var file = tmp.Sub("blob");

        var first = Tool.Run("curl", "-sS", "-o", file, url);
        Assert.NotEqual(0, first.Code);                     // 18: transfer closed with bytes remaining
        Assert.Equal(100_000, new FileInfo(file).Length);
        Assert.Equal(1, proxy.Cuts);

        var resumed = Tool.Run("curl", "-sS", "-C", "-", "-o", file, "-w", "%{http_code}", url).OrThrow();
        Assert.Equal("206", resumed.Out);
        Assert.Equal(["bytes=100000-"], proxy.RangeHeaders);
        Assert.Equal(blob.Hex, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant());
        Assert.Equal(1, proxy.Cuts);
    }

    [Fact]
    public void Skopeo_pushes_and_inspects_through_the_proxy_whose_locations_point_at_itself()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        using var proxy = new CuttingProxy(_r, cutFirst: 0);
        var repo = RegistryServer.UniqueRepo("via-proxy");
        var skopeo = new Skopeo(proxy.Host, http: true);
        skopeo.Push(image, repo + ":latest");
        Assert.Contains(proxy.Requests, q => q.Method == "POST" && q.PathAndQuery.StartsWith($"/v2/{repo}/blobs/uploads/") && q.Status == 202);
        Assert.Contains(proxy.Requests, q => q.Method == "PUT" && q.PathAndQuery.StartsWith($"/v2/{repo}/blobs/uploads/") && q.Status == 201);
        Assert.Equal(image.ManifestBytes, File.ReadAllBytes(tmp.Sub("layout/blobs/sha256/" + image.Manifest.Hex)));
        var raw = new Skopeo(_r).Inspect(_r.Ref(repo + ":latest"), raw: true).OrThrow();
        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(raw.Out));
    }
}

public sealed class MisbehavingServerTests
{
    [Fact]
    public void Hanging_server_never_answers()
    {
        using var h = new HangingServer(HangMode.NeverAnswers);
        var r = Tool.Run("curl", "-sS", "-m", "1", $"http://{h.Host}/v2/");
        Assert.Equal(28, r.Code);   // curl: operation timed out
        Assert.Equal(1, h.Connections);
    }

    [Fact]
    public void Hanging_server_answers_the_ping_then_hangs_on_manifests()
    {
        using var h = new HangingServer(HangMode.AnswersPingThenHangs);
        var ping = Tool.Run("curl", "-sS", "-m", "5", "-w", "%{http_code}", $"http://{h.Host}/v2/").OrThrow();
        Assert.Equal("{}200", ping.Out);
        var manifest = Tool.Run("curl", "-sS", "-m", "1", "-D", "-", $"http://{h.Host}/v2/app/manifests/latest");
        Assert.Equal(28, manifest.Code);
        Assert.DoesNotContain("HTTP/1.1", manifest.Out);
    }

    [Fact]
    public void Hanging_server_can_stall_in_the_body_after_the_headers()
    {
        using var h = new HangingServer(HangMode.HangsInBody);
        var manifest = Tool.Run("curl", "-sS", "-m", "1", "-D", "-", $"http://{h.Host}/v2/app/manifests/latest");
        Assert.Equal(28, manifest.Code);
        Assert.Contains("HTTP/1.1 200 OK", manifest.Out);
        Assert.Contains("GET /v2/app/manifests/latest HTTP/1.1", h.RequestLines);
    }

    [Fact]
    public void Scripted_registry_serves_an_image_skopeo_reads_and_a_blob_redirected_to_another_host()
    {
        using var tmp = new TempDir();
        var image = TestImages.Busybox(tmp.Sub("layout"));
        using var a = new ScriptedRegistry();
        using var b = new ScriptedRegistry();
        a.ServeImage("app", image, "v1");
        b.MapBlob("elsewhere", image.Config.Digest, image.ConfigBytes);
        a.Map("GET", $"/v2/app/blobs/{image.Config.Digest}", ScriptedResponse.Redirect($"{b.BaseUri}v2/elsewhere/blobs/{image.Config.Digest}"));

        var skopeo = new Skopeo(a.Host, http: true);
        var info = skopeo.Inspect(a.Ref("app:v1"));   // reads the manifest from a, the config through the redirect from b
        Assert.True(info.Ok, info.ToString());
        Assert.Equal(image.Manifest.Digest, JsonNode.Parse(info.Out)!["Digest"]!.GetValue<string>());
        Assert.Equal(1, b.Hits("GET", $"/v2/elsewhere/blobs/{image.Config.Digest}"));
        Assert.True(a.Hits("GET", "/v2/app/manifests/v1") >= 1);
    }

    [Fact]
    public void Scripted_registry_answers_in_sequence_with_retry_after_then_success_and_404_when_unmapped()
    {
        using var s = new ScriptedRegistry();
        s.Map("GET", "/v2/app/tags/list", ScriptedResponse.RetryAfter(429, 1), ScriptedResponse.Json(200, """{"name":"app","tags":["a"]}"""));
        var url = $"{s.BaseUri}v2/app/tags/list";
        var first = Tool.Run("curl", "-sS", "-i", url).OrThrow();
        Assert.Contains("HTTP/1.1 429", first.Out);
        Assert.Contains("Retry-After: 1", first.Out);
        Assert.Contains("TOOMANYREQUESTS", first.Out);
        var second = Tool.Run("curl", "-sS", "-w", "%{http_code}", url).OrThrow();
        Assert.Equal("""{"name":"app","tags":["a"]}200""", second.Out);
        var missing = Tool.Run("curl", "-sS", "-w", "%{http_code}", $"{s.BaseUri}v2/app/manifests/nope").OrThrow();
        Assert.Contains("MANIFEST_UNKNOWN", missing.Out);
        Assert.EndsWith("404", missing.Out);
        Assert.Equal(2, s.Hits("GET", "/v2/app/tags/list"));
    }

    [Fact]
    public void Scripted_registry_can_send_headers_then_stall_the_body()
    {
        using var s = new ScriptedRegistry();
        s.Map("GET", "/v2/app/manifests/slow", ScriptedResponse.Manifest("{}"u8.ToArray(), TestImages.ManifestType) with { BodyDelay = TimeSpan.FromMinutes(5) });
        var r = Tool.Run("curl", "-sS", "-m", "1", "-D", "-", $"{s.BaseUri}v2/app/manifests/slow");
        Assert.Equal(28, r.Code);
        Assert.Contains("HTTP/1.1 200 OK", r.Out);
        Assert.Contains("Docker-Content-Digest: sha256:", r.Out);
    }

    [Fact]
    public void Scripted_registry_over_https_with_a_test_ca_certificate()
    {
        using var tmp = new TempDir();
        var ca = TestCa.Create(tmp.Sub("ca"));
        using var s = new ScriptedRegistry(ca.IssueServer(tmp.Sub("tls")).Certificate);
        var r = Tool.Run("curl", "-sS", "--cacert", ca.CertPath, "-w", "%{http_code}", $"https://{s.Host}/v2/").OrThrow();
        Assert.Equal("{}200", r.Out);
        Assert.Equal("https", s.BaseUri.Scheme);
    }
}
