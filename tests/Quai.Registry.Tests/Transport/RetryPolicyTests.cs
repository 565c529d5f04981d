using System.Net;
using System.Net.Http.Headers;
using Quai.Registry.Client;
using Quai.Registry.Transport;

namespace Quai.Registry.Tests.Transport;

public class RetryPolicyTests
{
    private readonly RetryPolicy _p = new();

    [Fact]
    public void BackoffDoublesAndIsBounded()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), _p.Delay(0, null, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(1), _p.Delay(1, null, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(4), _p.Delay(3, null, TimeSpan.Zero));
        Assert.Null(_p.Delay(4, null, TimeSpan.Zero));
        Assert.Null(_p.Delay(0, null, TimeSpan.FromSeconds(59.9)));
    }

    [Fact]
    public void RetryAfterIsHonouredUpToTheCap()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), _p.Delay(0, new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), TimeSpan.Zero));
        Assert.Null(_p.Delay(0, new RetryConditionHeaderValue(TimeSpan.FromSeconds(600)), TimeSpan.Zero));
        var past = _p.Delay(0, new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(-1)), TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, past);
    }

    [Theory]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(501, false)]
    [InlineData(404, false)]
    [InlineData(401, false)]
    public void WhatIsRetried(int status, bool retried) => Assert.Equal(retried, RetryPolicy.IsRetryable((HttpStatusCode)status));

    [Fact]
    public void NextLinkOfPagination()
    {
        using var r = new HttpResponseMessage();
        r.Headers.TryAddWithoutValidation("Link", "</v2/_catalog?last=b&n=2>; rel=\"next\"");
        Assert.Equal("/v2/_catalog?last=b&n=2", RegistryClient.NextLink(r)!.OriginalString);
        using var none = new HttpResponseMessage();
        Assert.Null(RegistryClient.NextLink(none));
        using var other = new HttpResponseMessage();
        other.Headers.TryAddWithoutValidation("Link", "<https://x/y>; rel=\"prev\"");
        Assert.Null(RegistryClient.NextLink(other));
    }
}
