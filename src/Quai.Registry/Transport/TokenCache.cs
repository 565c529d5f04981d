using System.Collections.Concurrent;

namespace Quai.Registry.Transport;

/// <summary>Bearer tokens per (registry, scopes) until shortly before they expire. Thread-safe; one fetch at a
/// time per key so parallel layer downloads share one token request.</summary>
internal sealed class TokenCache
{
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public static string Key(Endpoint ep, IEnumerable<string> scopes) => ep.Base.GetLeftPart(UriPartial.Authority) + "|" + string.Join(' ', scopes.Order(StringComparer.Ordinal));

    public async Task<string> GetAsync(string key, Func<Task<(string Token, TimeSpan Lifetime)>> fetch, CancellationToken ct)
    {
        if (TryGet(key, out var token)) return token;
        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (TryGet(key, out token)) return token;
            var (fresh, lifetime) = await fetch().ConfigureAwait(false);
            // expire a little early so a token is never sent in its last seconds
            var margin = TimeSpan.FromTicks(Math.Min(lifetime.Ticks / 10, TimeSpan.FromSeconds(30).Ticks));
            _tokens[key] = (fresh, DateTimeOffset.UtcNow + lifetime - margin);
            return fresh;
        }
        finally { gate.Release(); }
    }

    /// <summary>Forgets <paramref name="token"/> wherever it is cached (the registry refused it).</summary>
    public void Invalidate(string token)
    {
        foreach (var (key, value) in _tokens)
            if (value.Token == token) _tokens.TryRemove(new KeyValuePair<string, (string, DateTimeOffset)>(key, value));
    }

    /// <summary>A cached token for <paramref name="key"/>, without fetching.</summary>
    public bool TryPeek(string key, out string token) => TryGet(key, out token);

    private bool TryGet(string key, out string token)
    {
        if (_tokens.TryGetValue(key, out var v) && v.Expires > DateTimeOffset.UtcNow) { token = v.Token; return true; }
        token = "";
        return false;
    }
}
