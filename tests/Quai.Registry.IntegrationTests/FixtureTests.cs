using System.Text.Json.Nodes;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>One plain http registry shared by a test class.</summary>
public sealed class PlainRegistryFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.Plain();
    public void Dispose() => Registry.Dispose();
}

/// <summary>One https + htpasswd registry shared by a test class.</summary>
public sealed class TlsBasicRegistryFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.TlsBasic("alice", "wonder-land");
    public void Dispose() => Registry.Dispose();
}

/// <summary>One token-auth registry shared by a test class.</summary>
public sealed class TokenRegistryFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.Token("bob", "builder-pass");
    public void Dispose() => Registry.Dispose();
}

/// <summary>A temporary directory deleted at Dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("quai-fixture-test-").FullName;
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { } }
}

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
