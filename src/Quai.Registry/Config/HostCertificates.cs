using System.Security.Cryptography.X509Certificates;

namespace Quai.Registry.Config;

/// <summary>The certificates of one registry from <c>CERTS_DIR/HOST[:PORT]/</c>, Docker's rules: every
/// <c>*.crt</c> is a CA trusted for that registry only (in addition to the system's), every <c>*.cert</c>
/// is a client certificate whose key is the <c>*.key</c> of the same name (one without the other is an error).</summary>
public sealed class HostCertificates
{
    public X509Certificate2Collection ExtraRoots { get; } = [];
    public X509Certificate2Collection ClientCertificates { get; } = [];
    public bool IsEmpty => ExtraRoots.Count == 0 && ClientCertificates.Count == 0;

    public static HostCertificates Load(string certsDir, string hostPort)
    {
        var result = new HostCertificates();
        var dir = Path.Combine(certsDir, hostPort.Replace("/", "", StringComparison.Ordinal));
        if (!Directory.Exists(dir)) return result;
        foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            try
            {
                if (name.EndsWith(".crt", StringComparison.Ordinal))
                    result.ExtraRoots.ImportFromPemFile(file);
                else if (name.EndsWith(".cert", StringComparison.Ordinal))
                {
                    var key = file[..^".cert".Length] + ".key";
                    if (!File.Exists(key)) throw new InvalidDataException($"missing key {Path.GetFileName(key)} for client certificate {name} in {dir}");
                    result.ClientCertificates.Add(X509Certificate2.CreateFromPemFile(file, key));
                }
                else if (name.EndsWith(".key", StringComparison.Ordinal))
                {
                    if (!File.Exists(file[..^".key".Length] + ".cert"))
                        throw new InvalidDataException($"missing client certificate {name[..^4]}.cert for key {name} in {dir}");
                }
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new InvalidDataException($"unable to load certificate {file}: {e.Message}", e);
            }
        }
        return result;
    }
}
