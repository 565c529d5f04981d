using System.Text;
using System.Text.Json.Nodes;
using Quai.Registry.IntegrationTests.Fixtures;
using Quai.Engine.IntegrationTests;

namespace Quai.Registry.IntegrationTests;

/// <summary>The published quai's login, logout and search with DOCKER_CONFIG in a private directory;
/// the file it writes is read back by skopeo (--authfile), which parses Docker's config.json format.</summary>
public abstract class LoginContract(RegistryServer registry) : IDisposable
{
    protected readonly RegistryServer R = registry;
    protected readonly TempDir Tmp = new();
    protected string ConfigDir => Tmp.Sub("docker");
    protected string ConfigFile => Path.Combine(ConfigDir, "config.json");

    public void Dispose() => Tmp.Dispose();

    protected ToolResult Quai(string? stdin, params string[] args) => Tool.Run(QuaiHost.Bin, args, TimeSpan.FromSeconds(120), stdin, new Dictionary<string, string>
    {
        ["DOCKER_CONFIG"] = ConfigDir,
        ["QUAI_DAEMON_CONFIG"] = Tmp.Sub("no-daemon.json"),
        ["QUAI_CERTS_DIR"] = R.CertsDir ?? Tmp.Sub("no-certs"),
        ["HOME"] = Tmp.Path,
    });

    /// <summary>skopeo inspect with the credentials of <see cref="ConfigFile"/>.</summary>
    protected ToolResult SkopeoWithAuthFile(string reference)
    {
        var tls = R.Mode == RegistryMode.TlsBasic ? new[] { "--cert-dir", R.HostCertDir! } : ["--tls-verify=false"];
        return new Skopeo(R).Run(["inspect", "--raw", "--authfile", ConfigFile, .. tls, "docker://" + reference]);
    }

    [Fact]
    public void Login_with_password_stdin_stores_what_docker_and_skopeo_read_then_logout_removes_it()
    {
        using var layout = new TempDir();
        var pushed = new Skopeo(R).Push(TestImages.Busybox(layout.Sub("l")), RegistryServer.UniqueRepo("login") + ":v1").Replace("docker://", "");
        Assert.False(SkopeoWithAuthFile(pushed).Ok, "the registry must refuse anonymous reads");

        var login = Quai(R.Password + "\n", "login", R.Host, "-u", R.User!, "--password-stdin");
        Assert.True(login.Code == 0, login.ToString());
        Assert.Equal("Login Succeeded\n", login.Out);
        Assert.Contains($"WARNING! Your credentials are stored unencrypted in '{ConfigFile}'.", login.Err);

        var root = JsonNode.Parse(File.ReadAllText(ConfigFile))!;
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{R.User}:{R.Password}")), (string?)root["auths"]![R.Host]!["auth"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigFile));
        var read = SkopeoWithAuthFile(pushed);
        Assert.True(read.Ok, read.ToString());

        // Stored credentials are tried first when none are given.
        var again = Quai(null, "login", R.Host);
        Assert.True(again.Code == 0, again.ToString());
        Assert.Contains($"Authenticating with existing credentials... [Username: {R.User}]", again.Out);
        Assert.EndsWith("Login Succeeded\n", again.Out);

        var logout = Quai(null, "logout", $"https://{R.Host}/");
        Assert.Equal(0, logout.Code);
        Assert.Equal($"Removing login credentials for {R.Host}\n", logout.Out);
        Assert.Null(JsonNode.Parse(File.ReadAllText(ConfigFile))!["auths"]![R.Host]);
        Assert.False(SkopeoWithAuthFile(pushed).Ok);
        var twice = Quai(null, "logout", R.Host);
        Assert.Equal(0, twice.Code);
        Assert.Equal($"Not logged in to {R.Host}\n", twice.Out);
    }

    [Fact]
    public void Password_flag_warns_and_keeps_other_keys_of_config_json()
    {
        Directory.CreateDirectory(ConfigDir);
        File.WriteAllText(ConfigFile, """{ "psFormat": "table {{.ID}}", "auths": { "other.example": { "auth": "eDp5" } } }""");
        var login = Quai(null, "login", "-u", R.User!, "-p", R.Password!, R.Host);
        Assert.True(login.Code == 0, login.ToString());
        Assert.StartsWith("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n", login.Err);
        var root = JsonNode.Parse(File.ReadAllText(ConfigFile))!;
        Assert.Equal("table {{.ID}}", (string?)root["psFormat"]);
        Assert.Equal("eDp5", (string?)root["auths"]!["other.example"]!["auth"]);
        Assert.NotNull(root["auths"]![R.Host]);
    }

    [Fact]
    public void Usage_errors_exit_1_without_touching_config()
    {
        var noUser = Quai("pw\n", "login", R.Host, "--password-stdin");
        Assert.Equal(1, noUser.Code);
        Assert.Equal("Error: Must provide --username with --password-stdin\n", noUser.Err);
        var both = Quai("pw\n", "login", R.Host, "-u", "x", "-p", "y", "--password-stdin");
        Assert.Equal(1, both.Code);
        Assert.Contains("--password and --password-stdin are mutually exclusive", both.Err);
        var noTty = Quai("", "login", R.Host, "-u", "x");
        Assert.Equal(1, noTty.Code);
        Assert.Contains("Cannot perform an interactive login from a non TTY device", noTty.Err);
        Assert.False(File.Exists(ConfigFile));
    }

    [Fact]
    public void The_docker_cli_reads_and_rewrites_the_file_quai_wrote()
    {
        // docker logout needs no daemon: it parses config.json, erases the entry and writes the file back.
        var login = Quai(R.Password, "login", R.Host, "-u", R.User!, "--password-stdin");
        Assert.True(login.Code == 0, login.ToString());
        var docker = Tool.Run("docker", ["--config", ConfigDir, "logout", R.Host]);
        Assert.True(docker.Ok, docker.ToString());
        Assert.Contains($"Removing login credentials for {R.Host}", docker.Out);
        Assert.Null(JsonNode.Parse(File.ReadAllText(ConfigFile))!["auths"]?[R.Host]);
        // and quai reads what docker wrote back
        var after = Quai(null, "logout", R.Host);
        Assert.Equal($"Not logged in to {R.Host}\n", after.Out);
    }

    /// <summary>The setup's wrong-password message.</summary>
    protected abstract string WrongPasswordMessage { get; }

    [Fact]
    public void Wrong_password_is_dockers_error_exit_1_and_stores_nothing()
    {
        var login = Quai("wrong\n", "login", R.Host, "-u", R.User!, "--password-stdin");
        Assert.Equal(1, login.Code);
        Assert.StartsWith("Error response from daemon: " + WrongPasswordMessage, login.Err);
        Assert.Equal("", login.Out);
        Assert.False(File.Exists(ConfigFile));
    }
}

public sealed class TlsBasicLoginTests(TlsBasicRegistryFixture f) : LoginContract(f.Registry), IClassFixture<TlsBasicRegistryFixture>
{
    protected override string WrongPasswordMessage => $"login attempt to https://{R.Host}/v2/ failed with status: 401 Unauthorized";
}

public sealed class TokenLoginTests(TokenRegistryFixture f) : LoginContract(f.Registry), IClassFixture<TokenRegistryFixture>
{
    protected override string WrongPasswordMessage => $"Get \"http://{R.Host}/v2/\": unauthorized: ";
}

public sealed class SearchTests(PlainRegistryFixture f) : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private ToolResult Quai(params string[] args) => Tool.Run(QuaiHost.Bin, args, TimeSpan.FromSeconds(120), null, new Dictionary<string, string>
    {
        ["DOCKER_CONFIG"] = _tmp.Sub("docker"), ["QUAI_DAEMON_CONFIG"] = _tmp.Sub("none.json"), ["HOME"] = _tmp.Path,
    });

    [Fact]
    public void Search_on_a_registry_2_filters_its_catalog()
    {
        var word = "srch" + Guid.NewGuid().ToString("N")[..8];
        var skopeo = new Skopeo(_r);
        var image = TestImages.Busybox(_tmp.Sub("l"));
        skopeo.Push(image, $"{word}-one:v1");
        skopeo.Push(image, $"team/{word}-two:v1");
        skopeo.Push(image, RegistryServer.UniqueRepo("unrelated") + ":v1");

        var r = Quai("search", $"{_r.Host}/{word}");
        Assert.True(r.Code == 0, r.ToString());
        var lines = r.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$", lines[0]);
        Assert.Equal([$"{_r.Host}/{word}-one", $"{_r.Host}/team/{word}-two"], lines[1..].Select(l => l.Split(' ')[0]).Order());

        var formatted = Quai("search", "--format", "{{.Name}}:{{.StarCount}}", "--limit", "1", $"{_r.Host}/{word}");
        Assert.Equal(0, formatted.Code);
        Assert.Single(formatted.Out.TrimEnd('\n').Split('\n'));
        Assert.EndsWith(":0\n", formatted.Out);

        var official = Quai("search", "--filter", "is-official=true", $"{_r.Host}/{word}");
        Assert.Single(official.Out.TrimEnd('\n').Split('\n'));   // the header only

        var bad = Quai("search", "--filter", "colour=red", $"{_r.Host}/{word}");
        Assert.Equal(1, bad.Code);
        Assert.Contains("invalid filter 'colour'", bad.Err);
    }

    [Fact]
    public void Search_of_an_unreachable_registry_is_an_error()
    {
        using var s = new ScriptedRegistry();
        s.Map("GET", "/v2/_catalog", ScriptedResponse.Error(401, "UNAUTHORIZED", "authentication required"));
        var r = Quai("search", $"{s.Host}/x");
        Assert.Equal(1, r.Code);
        Assert.Contains($"Error response from daemon: {s.Host} has no search endpoint", r.Err);
        Assert.Contains("unauthorized: authentication required", r.Err);
    }
}
