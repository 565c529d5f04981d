using Quai.Registry.Auth;

namespace Quai.Registry.Transport;

/// <summary>Where a registry is reached (<c>https://host:port</c>, or <c>http://</c> for an insecure one that
/// speaks no TLS) and how it wants to be authenticated (the challenges of its <c>/v2/</c>, updated from later 401s).
/// <see cref="Domain"/> is the registry whose credentials apply (a mirror of docker.io uses docker.io's).</summary>
internal sealed class Endpoint(string domain, Uri baseUri)
{
    public string Domain { get; } = domain;
    public Uri Base { get; } = baseUri;
    private volatile IReadOnlyList<AuthChallenge> _challenges = [];
    public IReadOnlyList<AuthChallenge> Challenges { get => _challenges; set => _challenges = value; }
    public Uri Url(string pathAndQuery) => new(Base, pathAndQuery);
    public bool SameOrigin(Uri uri) => Uri.Compare(uri, Base, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
