using System.Text.Json.Nodes;
using Quai.Registry.Auth;

namespace Quai.Registry.Tests.Auth;

/// <summary>A real docker-credential-* program (a shell script keeping one file per server) on PATH.
/// PATH is process-wide, so these tests do not run in parallel with others that start programs.</summary>
[Collection(nameof(PathChanging))]
public class CredentialHelperTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _oldPath = Environment.GetEnvironmentVariable("PATH") ?? "";
    private readonly string _name = "quaitest" + Guid.NewGuid().ToString("N")[..8];
    private string Vault => System.IO.Path.Combine(_dir.Path, "vault");

    public CredentialHelperTests()
    {
        Directory.CreateDirectory(Vault);
        var script = System.IO.Path.Combine(_dir.Path, "bin", "docker-credential-" + _name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(script)!);
        File.WriteAllText(script, $$"""
            #!/bin/sh
            vault='{{Vault}}'
            input=$(cat)
            echo "$1 $input" >> "$vault/log"
            case "$1" in
            get)   f="$vault/$(printf %s "$input" | sha256sum | cut -c1-16)"
                   if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            store) url=$(printf %s "$input" | sed 's/.*"ServerURL":"\([^"]*\)".*/\1/')
                   printf %s "$input" > "$vault/$(printf %s "$url" | sha256sum | cut -c1-16)" ;;
            erase) f="$vault/$(printf %s "$input" | sha256sum | cut -c1-16)"
                   if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            *) echo "unknown verb $1"; exit 2 ;;
            esac
            """);
        File.SetUnixFileMode(script, (UnixFileMode)0x1ed);
        Environment.SetEnvironmentVariable("PATH", System.IO.Path.GetDirectoryName(script) + ":" + _oldPath);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _oldPath);
        _dir.Dispose();
    }

    [Fact]
    public void CredsStoreHoldsTheSecretAndConfigListsTheLogin()
    {
        _dir.File("cfg/config.json", $$"""{ "credsStore": "{{_name}}", "currentContext": "x" }""");
        var store = CredentialStore.Open(System.IO.Path.Combine(_dir.Path, "cfg"));
        Assert.Null(store.Get("localhost:5000"));
        store.Store("localhost:5000", new Credential("alice", "pw\"with quote"));
        store.Store("docker.io", new Credential("", "refresh-tok", IsIdentityToken: true));

        var root = JsonNode.Parse(File.ReadAllText(store.ConfigPath))!.AsObject();
        Assert.Equal("x", (string?)root["currentContext"]);
        Assert.Empty(root["auths"]!["localhost:5000"]!.AsObject());
        Assert.DoesNotContain("alice", File.ReadAllText(store.ConfigPath));

        Assert.Equal(new Credential("alice", "pw\"with quote"), store.Get("localhost:5000"));
        Assert.Equal(new Credential("", "refresh-tok", true), store.Get("docker.io"));
        var log = File.ReadAllText(System.IO.Path.Combine(Vault, "log"));
        Assert.Contains("get https://index.docker.io/v1/", log);
        Assert.Contains("\"Username\":\"\\u003Ctoken\\u003E\"", log, StringComparison.OrdinalIgnoreCase); // Go's encoding, as docker writes it

        Assert.True(store.Erase("localhost:5000"));
        Assert.Null(store.Get("localhost:5000"));
        Assert.False(store.Erase("localhost:5000"));
    }

    [Fact]
    public void CredHelpersPerRegistryWinOverAuths()
    {
        _dir.File("cfg/config.json", $$"""{ "credHelpers": { "reg.example": "{{_name}}" }, "auths": { "plain.example": { "auth": "dTpw" } } }""");
        var store = CredentialStore.Open(System.IO.Path.Combine(_dir.Path, "cfg"));
        store.Store("reg.example", new Credential("h", "hp"));
        Assert.Equal(new Credential("h", "hp"), store.Get("reg.example"));
        Assert.Equal(new Credential("u", "p"), store.Get("plain.example"));
        Assert.Single(Directory.GetFiles(Vault), f => !f.EndsWith("log"));
    }

    [Fact]
    public void MissingOrFailingHelperIsAClearError()
    {
        _dir.File("cfg/config.json", """{ "credsStore": "does-not-exist-anywhere" }""");
        var store = CredentialStore.Open(System.IO.Path.Combine(_dir.Path, "cfg"));
        Assert.Contains("docker-credential-does-not-exist-anywhere", Assert.Throws<InvalidOperationException>(() => store.Get("localhost:5000")).Message);
        var broken = System.IO.Path.Combine(_dir.Path, "bin", "docker-credential-" + _name + "broken");
        File.WriteAllText(broken, "#!/bin/sh\necho 'keychain is locked'\nexit 3\n");
        File.SetUnixFileMode(broken, (UnixFileMode)0x1ed);
        var e = Assert.Throws<InvalidOperationException>(() => new CredentialHelper(_name + "broken").Get("localhost:5000"));
        Assert.Contains("keychain is locked", e.Message);
        Assert.Contains("docker-credential-" + _name + "broken get", e.Message);
    }
}

[CollectionDefinition(nameof(PathChanging), DisableParallelization = true)]
public sealed class PathChanging;
