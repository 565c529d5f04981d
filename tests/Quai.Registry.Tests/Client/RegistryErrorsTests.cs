using System.Net;
using System.Text;
using Quai.Registry.Client;

namespace Quai.Registry.Tests.Client;

public class RegistryErrorsTests
{
    [Fact]
    public void TheErrorsArrayInDistributionsWords()
    {
        var e = RegistryErrors.From(HttpStatusCode.NotFound, "Not Found",
            Encoding.UTF8.GetBytes("""{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"""));
        Assert.Equal("manifest unknown: manifest unknown", e.Message);
        Assert.Equal(404, e.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", e.ErrorCode);
    }

    [Fact]
    public void SeveralErrorsAreListed()
    {
        var e = RegistryErrors.From(HttpStatusCode.Forbidden, null,
            Encoding.UTF8.GetBytes("""{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"},{"code":"NAME_UNKNOWN","message":"x"}]}"""));
        Assert.Equal("errors:\ndenied: requested access to the resource is denied\nname unknown: x", e.Message);
        Assert.Equal("DENIED", e.ErrorCode);
    }

    [Theory]
    [InlineData(401, "unauthorized: authentication required", "UNAUTHORIZED")]
    [InlineData(403, "denied: requested access to the resource is denied", "DENIED")]
    [InlineData(429, "toomanyrequests: too many requests", "TOOMANYREQUESTS")]
    [InlineData(502, "received unexpected HTTP status: 502 Bad Gateway", null)]
    public void WithoutABodyTheStatusSpeaks(int status, string message, string? code)
    {
        var e = RegistryErrors.From((HttpStatusCode)status, status == 502 ? "Bad Gateway" : null, "<html>oops</html>"u8);
        Assert.Equal(message, e.Message);
        Assert.Equal(code, e.ErrorCode);
    }
}
