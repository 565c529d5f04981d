using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Quai.Registry.Config;

namespace Quai.Registry.Transport;

/// <summary>One connection pool per registry host, each with that host's TLS rules: the system's CAs plus
/// the host's own <c>certs.d</c> CAs (trusted for that host only), its client certificates, and no verification
/// at all for an insecure registry. Redirects are followed by <see cref="RegistryTransport"/>, never here.</summary>
internal sealed class HostHandlers(RegistryConfig config) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<HttpMessageInvoker>> _pools = new(StringComparer.OrdinalIgnoreCase);

    public HttpMessageInvoker For(Uri uri)
    {
        var authority = uri.IsDefaultPort ? uri.Host : uri.Authority;
        return _pools.GetOrAdd(uri.Scheme + "://" + authority, _ => new Lazy<HttpMessageInvoker>(() => Create(authority))).Value;
    }

    private HttpMessageInvoker Create(string authority)
    {
        var insecure = config.IsInsecure(authority);
        var certs = HostCertificates.Load(config.CertsDir, authority);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = config.Timeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            MaxConnectionsPerServer = 16,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
        };
        handler.SslOptions.ClientCertificates = certs.ClientCertificates;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
        {
            if (insecure || errors == SslPolicyErrors.None) return true;
            if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certs.ExtraRoots.Count == 0 || cert is null) return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(certs.ExtraRoots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            return custom.Build(cert as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public void Dispose()
    {
        foreach (var p in _pools.Values) if (p.IsValueCreated) p.Value.Dispose();
    }
}
