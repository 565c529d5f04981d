using System.Net;
using System.Net.Http.Headers;

namespace Quai.Registry.Transport;

/// <summary>Retries of a request the registry answered with 429 or 5xx, or a connection that failed: at most
/// <see cref="MaxRetries"/>, exponential backoff from <see cref="BaseDelay"/>, a server's Retry-After honoured
/// up to <see cref="MaxDelay"/>, and never more than <see cref="MaxTotal"/> of waiting in all.</summary>
internal sealed class RetryPolicy
{
    public int MaxRetries { get; init; } = 4;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxTotal { get; init; } = TimeSpan.FromSeconds(60);

    public static bool IsRetryable(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500 && status != HttpStatusCode.NotImplemented;

    /// <summary>The wait before retry number <paramref name="attempt"/> (0-based), or null to give up.</summary>
    public TimeSpan? Delay(int attempt, RetryConditionHeaderValue? retryAfter, TimeSpan waitedSoFar)
    {
        if (attempt >= MaxRetries) return null;
        var delay = TimeSpan.FromTicks(BaseDelay.Ticks << Math.Min(attempt, 10));
        if (retryAfter?.Delta is { } d) delay = d;
        else if (retryAfter?.Date is { } when) delay = when - DateTimeOffset.UtcNow;
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
        if (delay > MaxDelay) return null;            // the server asks for longer than we wait: report its answer
        if (waitedSoFar + delay > MaxTotal) return null;
        return delay;
    }
}
