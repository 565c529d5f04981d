using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>A throw-away certificate authority (ECDSA P-256) made with <see cref="CertificateRequest"/>:
/// <see cref="CertPath"/> is its PEM certificate (what clients trust as ca.crt); <see cref="IssueServer"/>
/// signs server certificates for 127.0.0.1 and localhost.</summary>
public sealed class TestCa
{
    /// <summary>The CA certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }
    /// <summary>The CA certificate as a PEM file (ca.crt).</summary>
    public string CertPath { get; }

    private TestCa(X509Certificate2 cert, string certPath) { Certificate = cert; CertPath = certPath; }

    /// <summary>A new CA whose certificate is written to <paramref name="dir"/>/ca.crt.</summary>
    public static TestCa Create(string dir, string name = "Quai Test CA")
    {
        Directory.CreateDirectory(dir);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name} {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(dir, "ca.crt");
        File.WriteAllText(path, cert.ExportCertificatePem() + "\n");
        return new TestCa(cert, path);
    }

    /// <summary>Writes a server certificate (SAN IP 127.0.0.1 and ::1, DNS localhost and
    /// <paramref name="extraDnsNames"/>; serverAuth) and its PKCS#8 key as PEM files into
    /// <paramref name="dir"/>, named <paramref name="name"/>.crt and .key; returns both paths and the
    /// certificate with its key (for Kestrel).</summary>
    public (string CertPath, string KeyPath, X509Certificate2 Certificate) IssueServer(string dir, string name = "server", params string[] extraDnsNames)
    {
        Directory.CreateDirectory(dir);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        san.AddDnsName("localhost");
        foreach (var d in extraDnsNames) san.AddDnsName(d);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = req.Create(Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        var withKey = issued.CopyWithPrivateKey(key);
        var certPath = Path.Combine(dir, name + ".crt");
        var keyPath = Path.Combine(dir, name + ".key");
        File.WriteAllText(certPath, withKey.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Kestrel on Linux wants a certificate whose key is usable: round-trip through PKCS#12.
        var pfx = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return (certPath, keyPath, pfx);
    }
}
