using Quai.Registry.Auth;

namespace Quai.Registry.Tests.Auth;

public class AuthChallengeTests
{
    [Fact]
    public void BearerWithQuotedParameters()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\""));
        Assert.True(c.IsBearer);
        Assert.Equal("https://auth.docker.io/token", c["realm"]);
        Assert.Equal("registry.docker.io", c["service"]);
        Assert.Equal("repository:samalba/my-app:pull,push", c["scope"]);
    }

    [Fact]
    public void BasicAndSeveralChallengesInOneHeader()
    {
        var cs = AuthChallenge.Parse("Basic realm=\"Registry Realm\", Bearer realm=\"https://t/x\", error=\"invalid_token\"");
        Assert.Equal(2, cs.Count);
        Assert.True(cs[0].IsBasic);
        Assert.Equal("Registry Realm", cs[0]["realm"]);
        Assert.Equal("https://t/x", cs[1]["REALM"]);
        Assert.Equal("invalid_token", cs[1]["error"]);
    }

    [Fact]
    public void EscapesUnquotedValuesAndToken68()
    {
        var cs = AuthChallenge.Parse(["Negotiate abc==, bearer realm=https://a/b,service=s\\x", "Basic realm=\"a \\\"q\\\" b\""]);
        Assert.Equal(3, cs.Count);
        Assert.Equal("Negotiate", cs[0].Scheme);
        Assert.Empty(cs[0].Parameters);
        Assert.True(cs[1].IsBearer);
        Assert.Equal("https://a/b", cs[1]["realm"]);
        Assert.Equal("a \"q\" b", cs[2]["realm"]);
    }

    [Fact]
    public void GarbageDoesNotThrow()
    {
        Assert.Empty(AuthChallenge.Parse(""));
        Assert.True(AuthChallenge.Parse("Bearer ,,, =\"x")[0].IsBearer);
    }

    [Fact]
    public void Scopes()
    {
        Assert.Equal("repository:library/busybox:pull", Scope.Repository("library/busybox", Scope.Pull));
        Assert.Equal("repository:a/b:pull,push", Scope.Repository("a/b", Scope.PullPush));
        Assert.Equal("registry:catalog:*", Scope.Catalog);
    }
}
