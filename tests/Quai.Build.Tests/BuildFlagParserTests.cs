using System.Net.Sockets;
using Quai.Build.Executor;

namespace Quai.Build.Tests;

/// <summary>docker buildx's --secret, --ssh, --ulimit, --add-host and --network values.</summary>
public sealed class BuildFlagParserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-flags-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static string? NoEnv(string _) => null;

    [Fact]
    public void A_secret_comes_from_src_from_env_or_by_default_from_the_variable_or_file_named_by_its_id()
    {
        var file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "s3cr3t");
        var fromFile = BuildFlagParser.ParseSecret($"id=tok,src={file}", NoEnv);
        Assert.Equal(new BuildSecret("tok", file, null), fromFile);
        Assert.Equal("s3cr3t", System.Text.Encoding.UTF8.GetString(fromFile.Read()!));
        Assert.Equal(file, BuildFlagParser.ParseSecret($"id=tok,source={file},type=file", NoEnv).FilePath);
        Assert.Equal(new BuildSecret("tok", null, "MY_TOKEN"), BuildFlagParser.ParseSecret("id=tok,env=MY_TOKEN", NoEnv));
        // type=env: src names the variable
        Assert.Equal(new BuildSecret("tok", null, "MY_TOKEN"), BuildFlagParser.ParseSecret("type=env,id=tok,src=MY_TOKEN", NoEnv));
        // neither: the variable named by the id if it is set, else the file
        Assert.Equal(new BuildSecret("TOK", null, "TOK"), BuildFlagParser.ParseSecret("id=TOK", n => n == "TOK" ? "x" : null));
        var cwdFile = BuildFlagParser.ParseSecret($"id={file}", NoEnv);
        Assert.Equal(file, cwdFile.FilePath);
    }

    [Theory]
    [InlineData("src=/x", "secret missing ID")]
    [InlineData("id=a,type=url", "unsupported secret type \"url\"")]
    [InlineData("id=a,mode=0400", "unexpected key 'mode' in 'mode=0400'")]
    [InlineData("id", "invalid field 'id' must be a key=value pair")]
    [InlineData("id=a,src=/nonexistent/quai-secret", "failed to stat /nonexistent/quai-secret: no such file or directory")]
    public void A_bad_secret_is_refused_with_buildx_s_message(string value, string message)
        => Assert.Equal(message, Assert.Throws<FormatException>(() => BuildFlagParser.ParseSecret(value, NoEnv)).Message);

    [Fact]
    public void A_secret_larger_than_500KB_is_refused()
    {
        var file = Path.Combine(_dir, "big");
        File.WriteAllBytes(file, new byte[BuildSecret.MaxSize + 1]);
        Assert.Equal("secret big too big. max size 500KB", Assert.Throws<FormatException>(() => BuildFlagParser.ParseSecret($"id=big,src={file}", NoEnv)).Message);
    }

    [Fact]
    public void Ssh_takes_an_agent_socket_or_SSH_AUTH_SOCK_and_refuses_key_files()
    {
        var sock = Path.Combine(_dir, "agent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(sock));
        Assert.Equal(new BuildSsh("default", sock), BuildFlagParser.ParseSsh("default", n => n == "SSH_AUTH_SOCK" ? sock : null));
        Assert.Equal(new BuildSsh("git", sock), BuildFlagParser.ParseSsh($"git={sock}", NoEnv));
        Assert.Equal("invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set",
            Assert.Throws<FormatException>(() => BuildFlagParser.ParseSsh("default", NoEnv)).Message);
        var key = Path.Combine(_dir, "id_ed25519");
        File.WriteAllText(key, "key");
        Assert.Contains("is not an agent socket", Assert.Throws<FormatException>(() => BuildFlagParser.ParseSsh($"default={key}", NoEnv)).Message);
        Assert.Contains("failed to stat", Assert.Throws<FormatException>(() => BuildFlagParser.ParseSsh($"default={_dir}/none", NoEnv)).Message);
    }

    [Fact]
    public void Ulimits_are_docker_s_names_with_a_soft_and_optional_hard_limit()
    {
        var u = BuildFlagParser.ParseUlimit("nofile=1024:2048");
        Assert.Equal(("nofile", 1024L, 2048L), (u.Name, u.Soft, u.Hard));
        u = BuildFlagParser.ParseUlimit("nproc=64");
        Assert.Equal(("nproc", 64L, 64L), (u.Name, u.Soft, u.Hard));
        Assert.Equal("invalid ulimit type: files", Assert.Throws<FormatException>(() => BuildFlagParser.ParseUlimit("files=1")).Message);
        Assert.Equal("invalid ulimit argument: nofile", Assert.Throws<FormatException>(() => BuildFlagParser.ParseUlimit("nofile")).Message);
        Assert.Equal("invalid ulimit argument: nofile=a", Assert.Throws<FormatException>(() => BuildFlagParser.ParseUlimit("nofile=a")).Message);
        Assert.Equal("ulimit soft limit must be less than or equal to hard limit: 10 > 5", Assert.Throws<FormatException>(() => BuildFlagParser.ParseUlimit("nofile=10:5")).Message);
    }

    [Theory]
    [InlineData("db:10.0.0.5", "db:10.0.0.5")]
    [InlineData("db=10.0.0.5", "db:10.0.0.5")]
    [InlineData("v6:::1", "v6:::1")]
    [InlineData("v6=[2001:db8::1]", "v6:2001:db8::1")]
    [InlineData("gw:host-gateway", "gw:host-gateway")]
    public void Add_host_takes_host_colon_or_equals_ip(string value, string expected) => Assert.Equal(expected, BuildFlagParser.ParseAddHost(value));

    [Theory]
    [InlineData("db", "bad format for add-host: \"db\"")]
    [InlineData("db:", "bad format for add-host: \"db:\"")]
    [InlineData("db:not-an-ip", "invalid IP address in add-host: \"not-an-ip\"")]
    public void A_bad_add_host_is_refused(string value, string message)
        => Assert.Equal(message, Assert.Throws<FormatException>(() => BuildFlagParser.ParseAddHost(value)).Message);

    [Fact]
    public void The_network_is_one_BuildKit_runs()
    {
        Assert.Equal("default", BuildFlagParser.ParseNetwork("default"));
        Assert.Equal("none", BuildFlagParser.ParseNetwork("none"));
        Assert.Equal("host", BuildFlagParser.ParseNetwork("host"));
        Assert.Equal("network mode \"bridge2\" not supported by buildkit", Assert.Throws<FormatException>(() => BuildFlagParser.ParseNetwork("bridge2")).Message);
    }
}
