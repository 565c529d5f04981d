using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>Pull and push with the credentials a user already has in docker's config.json: https with basic auth and a
/// CA from certs.d, and token auth through a token server.</summary>
public sealed class TlsBasicPullPushTests(TlsBasicRegistryFixture f) : IClassFixture<TlsBasicRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    [Fact]
    public void Pulls_and_pushes_over_tls_with_the_saved_login()
    {
        _q.Q.Env["QUAI_CERTS_DIR"] = _r.CertsDir!;
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("tls") + ":v1");

        var anonymous = _q.Run("pull", reference);
        Assert.Equal(1, anonymous.Code);
        // docker: Head "https://HOST/v2/REPO/manifests/v1": no basic auth credentials (quai reads with a GET)
        Assert.Contains($"\"https://{_r.Host}/v2/{reference[(reference.IndexOf('/') + 1)..reference.LastIndexOf(':')]}/manifests/v1\": no basic auth credentials", anonymous.Err);

        _q.SaveLogin(_r.Host, _r.User!, "wrong-password");
        var wrong = _q.Run("pull", reference);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("unauthorized", wrong.Err);

        _q.SaveLogin(_r.Host, _r.User!, _r.Password!);
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("tls", _q.Ok("run", "--rm", reference, "echo", "tls"));

        var target = _r.Ref(RegistryServer.UniqueRepo("tls-push") + ":v1");
        _q.Ok("tag", "bb", target);
        var push = _q.Run("push", target);
        Assert.True(push.Code == 0, push.ToString());
        Assert.True(new Skopeo(_r).Inspect(target).Ok);
    }

    [Fact]
    public void A_loopback_registry_is_insecure_allowed_so_its_unknown_ca_is_accepted_as_docker_does()
    {
        var image = TestImages.Busybox(_tmp.Sub("layout2"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("noca") + ":v1");
        _q.SaveLogin(_r.Host, _r.User!, _r.Password!);
        // no certs.d: 127.0.0.0/8 is insecure-allowed (Docker's rule), so https with an unknown CA is used unverified
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
    }
}

public sealed class TokenPullPushTests(TokenRegistryFixture f) : IClassFixture<TokenRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    [Fact]
    public void Pulls_and_pushes_with_bearer_tokens()
    {
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("token") + ":v1");
        _q.SaveLogin(_r.Host, _r.User!, _r.Password!);
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("token", _q.Ok("run", "--rm", reference, "echo", "token"));

        var target = _r.Ref(RegistryServer.UniqueRepo("token-push") + ":v1");
        _q.Ok("tag", reference, target);
        var push = _q.Run("push", target);
        Assert.True(push.Code == 0, push.ToString());
        Assert.True(new Skopeo(_r).Inspect(target).Ok);

        _q.SaveLogin(_r.Host, _r.User!, "not-the-password");
        var wrong = _q.Run("pull", target);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("unauthorized", wrong.Err);
    }
}

/// <summary>A registry that demands a client certificate: quai presents the <c>client.cert</c>/<c>client.key</c> pair of
/// certs.d/HOST, as docker does, and without one the handshake fails with a message naming the registry.</summary>
public sealed class MutualTlsPullPushTests : IDisposable
{
    private readonly RegistryServer _r = RegistryServer.TlsBasic("erin", "mtls-secret", requireClientCert: true);
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); _r.Dispose(); }

    [Fact]
    public void Pulls_and_pushes_with_the_client_certificate_of_certs_d_and_fails_clearly_without_it()
    {
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1");
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("mtls") + ":v1");
        _q.SaveLogin(_r.Host, _r.User!, _r.Password!);

        // only the CA: the registry refuses the handshake; nothing is stored
        var caOnly = _tmp.Sub("ca-only");
        Directory.CreateDirectory(Path.Combine(caOnly, _r.Host));
        File.Copy(_r.CaPath!, Path.Combine(caOnly, _r.Host, "ca.crt"));
        _q.Q.Env["QUAI_CERTS_DIR"] = caOnly;
        var refused = _q.Run("pull", reference);
        Assert.Equal(1, refused.Code);
        Assert.True(refused.Err.Contains($"https://{_r.Host}/v2/"), refused.Err); // the https error, not the http fallback's 400
        Assert.Equal("", _q.Ok("images", "-q", reference));

        _q.Q.Env["QUAI_CERTS_DIR"] = _r.CertsDir!;
        var pulled = _q.Run("pull", reference);
        Assert.True(pulled.Code == 0, pulled.ToString());
        Assert.Equal("mtls", _q.Ok("run", "--rm", reference, "echo", "mtls"));

        var target = _r.Ref(RegistryServer.UniqueRepo("mtls-push") + ":v1");
        _q.Ok("tag", reference, target);
        var push = _q.Run("push", target);
        Assert.True(push.Code == 0, push.ToString());
        Assert.True(new Skopeo(_r).Inspect(target, raw: true).Ok);
    }
}
