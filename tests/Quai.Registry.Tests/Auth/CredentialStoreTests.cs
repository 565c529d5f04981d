using System.Text;
using System.Text.Json.Nodes;
using Quai.Registry.Auth;

namespace Quai.Registry.Tests.Auth;

public class CredentialStoreTests
{
    [Fact]
    public void StoreWritesDockersShapeKeepsUnknownKeysAnd0600()
    {
        using var t = new TempDir();
        t.File("config.json", """{ "psFormat": "table {{.ID}}", "auths": { "other:1": { "auth": "eDp5" } }, "proxies": {"default": {"httpProxy": "http://p"}} }""");
        var store = CredentialStore.Open(t.Path);
        store.Store("localhost:5000", new Credential("alice", "s3cr:et"));
        store.Store("docker.io", new Credential("bob", "pw"));

        var root = JsonNode.Parse(File.ReadAllText(store.ConfigPath))!.AsObject();
        Assert.Equal("table {{.ID}}", (string?)root["psFormat"]);
        Assert.Equal("http://p", (string?)root["proxies"]!["default"]!["httpProxy"]);
        Assert.Equal("eDp5", (string?)root["auths"]!["other:1"]!["auth"]);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cr:et")), (string?)root["auths"]!["localhost:5000"]!["auth"]);
        Assert.NotNull(root["auths"]!["https://index.docker.io/v1/"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.ConfigPath));
        Assert.Contains("\n\t\"auths\"", File.ReadAllText(store.ConfigPath));

        Assert.Equal(new Credential("alice", "s3cr:et"), store.Get("localhost:5000"));
        Assert.Equal(new Credential("bob", "pw"), store.Get("index.docker.io"));
        Assert.Null(store.Get("localhost:5001"));
    }

    [Fact]
    public void ReadsUrlKeysIdentityTokensAndErases()
    {
        using var t = new TempDir();
        t.File("config.json", """{ "auths": { "https://reg.example:5000/v2/": { "auth": "dTpw" }, "tok.example": { "auth": "Og==", "identitytoken": "rt-1" } } }""");
        var store = CredentialStore.Open(t.Path);
        Assert.Equal(new Credential("u", "p"), store.Get("reg.example:5000"));
        Assert.Equal(new Credential("", "rt-1", true), store.Get("tok.example"));
        Assert.True(store.Erase("reg.example:5000"));
        Assert.False(store.Erase("reg.example:5000"));
        Assert.Null(store.Get("reg.example:5000"));
        Assert.NotNull(store.Get("tok.example"));
    }

    [Fact]
    public void MissingConfigIsNoCredentialsAndBadOneNamesTheFile()
    {
        using var t = new TempDir();
        var store = CredentialStore.Open(System.IO.Path.Combine(t.Path, "sub"));
        Assert.Null(store.Get("localhost:5000"));
        Assert.False(store.Erase("localhost:5000"));
        t.File("sub/config.json", "{ nope");
        Assert.Contains(store.ConfigPath, Assert.Throws<InvalidDataException>(() => store.Get("x")).Message);
    }

    [Fact]
    public void KeysAsDocker()
    {
        Assert.Equal("https://index.docker.io/v1/", CredentialStore.KeyFor("docker.io"));
        Assert.Equal("https://index.docker.io/v1/", CredentialStore.KeyFor("index.docker.io"));
        Assert.Equal("localhost:5000", CredentialStore.KeyFor("localhost:5000"));
        Assert.Equal("h:1", CredentialStore.KeyFor("https://h:1/v2/"));
    }
}
