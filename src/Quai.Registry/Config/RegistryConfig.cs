using System.Net;
using System.Text.Json;

namespace Quai.Registry.Config;

/// <summary>What the registry client reads from the daemon configuration: dockerd's
/// <c>insecure-registries</c> and <c>registry-mirrors</c>, Quai's own <c>registry-timeout</c>, and where
/// per-registry certificates live (<c>/etc/docker/certs.d/HOST[:PORT]/</c>).</summary>
public sealed class RegistryConfig
{
    public const string DefaultPath = "/etc/quai/daemon.json";
    public const string PathVariable = "QUAI_DAEMON_CONFIG";
    public const string TimeoutVariable = "QUAI_REGISTRY_TIMEOUT";
    public const string CertsDirVariable = "QUAI_CERTS_DIR";
    public const string DefaultCertsDir = "/etc/docker/certs.d";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public IReadOnlyList<string> InsecureRegistries { get; }
    public IReadOnlyList<Uri> Mirrors { get; }
    public TimeSpan Timeout { get; }
    public string CertsDir { get; }

    private readonly List<(IPAddress Network, int Bits)> _insecureNetworks = [];
    private readonly HashSet<string> _insecureNames = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A configuration given in code (tests, embedders); null arguments take the defaults
    /// (the environment variables are not consulted).</summary>
    public RegistryConfig(IEnumerable<string>? insecureRegistries = null, IEnumerable<Uri>? mirrors = null,
        TimeSpan? timeout = null, string? certsDir = null)
    {
        InsecureRegistries = [.. insecureRegistries ?? []];
        Mirrors = [.. mirrors ?? []];
        Timeout = timeout ?? DefaultTimeout;
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"registry timeout must be positive, not {Timeout.TotalSeconds}s");
        CertsDir = certsDir ?? DefaultCertsDir;
        foreach (var entry in InsecureRegistries)
        {
            var e = StripScheme(entry);
            if (TryParseCidr(e, out var net, out var bits)) _insecureNetworks.Add((net, bits));
            else _insecureNames.Add(e);
        }
    }

    /// <summary>Reads <c>$QUAI_DAEMON_CONFIG</c> or <c>/etc/quai/daemon.json</c>: a missing file is the defaults,
    /// a malformed one an error naming the file. <c>QUAI_REGISTRY_TIMEOUT</c> and <c>QUAI_CERTS_DIR</c> override.</summary>
    public static RegistryConfig Load()
        => Load(Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } p ? p : DefaultPath);

    public static RegistryConfig Load(string path)
    {
        DaemonConfigFile file = new();
        byte[]? bytes = null;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"unable to read daemon configuration {path}: {e.Message}", e);
        }
        if (bytes is { Length: > 0 })
        {
            try { file = JsonSerializer.Deserialize(bytes, ConfigJsonContext.Default.DaemonConfigFile) ?? new(); }
            catch (JsonException e)
            {
                throw new InvalidDataException($"unable to configure the registry client from {path}: invalid JSON: {e.Message}", e);
            }
        }
        var mirrors = new List<Uri>();
        foreach (var m in file.RegistryMirrors ?? [])
        {
            if (!Uri.TryCreate(m, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new InvalidDataException($"{path}: invalid mirror \"{m}\": it must be an http:// or https:// URL");
            mirrors.Add(uri);
        }
        foreach (var r in file.InsecureRegistries ?? [])
            if (string.IsNullOrWhiteSpace(r) || StripScheme(r).Contains('/') && !TryParseCidr(StripScheme(r), out _, out _))
                throw new InvalidDataException($"{path}: insecure registry \"{r}\" is not a valid host[:port] or CIDR");

        TimeSpan? timeout = file.RegistryTimeout is { } s ? Seconds(s, path) : null;
        if (Environment.GetEnvironmentVariable(TimeoutVariable) is { Length: > 0 } env)
        {
            if (!double.TryParse(env, System.Globalization.CultureInfo.InvariantCulture, out var v))
                throw new InvalidDataException($"{TimeoutVariable}=\"{env}\": not a number of seconds");
            timeout = Seconds(v, TimeoutVariable);
        }
        var certs = Environment.GetEnvironmentVariable(CertsDirVariable) is { Length: > 0 } c ? c : DefaultCertsDir;
        return new RegistryConfig(file.InsecureRegistries, mirrors, timeout, certs);
    }

    private static TimeSpan Seconds(double s, string where)
        => s > 0 && s < 86400 ? TimeSpan.FromSeconds(s) : throw new InvalidDataException($"{where}: registry-timeout must be between 0 and 86400 seconds, not {s}");

    /// <summary>True for a registry reached over plain http or with an unverified certificate: listed in
    /// <c>insecure-registries</c> (by name or by a CIDR holding its address), or on the loopback
    /// (localhost, 127.0.0.0/8, ::1), as Docker does.</summary>
    public bool IsInsecure(string domain)
    {
        if (_insecureNames.Contains(domain)) return true;
        var host = HostOf(domain);
        if (_insecureNames.Contains(host)) return true;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) addresses = [ip];
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        else if (_insecureNetworks.Count == 0) return false;
        else
        {
            // Docker resolves the name and tests its addresses against the CIDRs; bounded so a dead resolver cannot hang a pull.
            try
            {
                var lookup = Dns.GetHostAddressesAsync(host);
                addresses = lookup.Wait(TimeSpan.FromSeconds(5)) ? lookup.Result : [];
            }
            catch (Exception) { addresses = []; }
        }
        foreach (var a in addresses)
        {
            var addr = a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
            if (IPAddress.IsLoopback(addr)) return true;
            foreach (var (net, bits) in _insecureNetworks)
                if (InNetwork(addr, net, bits)) return true;
        }
        return false;
    }

    /// <summary>The host of <c>host[:port]</c> (IPv6 in brackets kept bracket-free).</summary>
    internal static string HostOf(string domain)
    {
        if (domain.StartsWith('['))
        {
            int end = domain.IndexOf(']');
            return end > 0 ? domain[1..end] : domain;
        }
        int colon = domain.LastIndexOf(':');
        return colon > 0 && domain.IndexOf(':') == colon ? domain[..colon] : domain;
    }

    private static string StripScheme(string s)
    {
        s = s.Trim();
        if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) s = s[7..];
        else if (s.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) s = s[8..];
        return s.TrimEnd('/');
    }

    private static bool TryParseCidr(string s, out IPAddress network, out int bits)
    {
        network = IPAddress.None; bits = 0;
        int slash = s.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(s[..slash], out var ip) || !int.TryParse(s[(slash + 1)..], out bits)) return false;
        int max = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (bits < 0 || bits > max) return false;
        network = ip;
        return true;
    }

    private static bool InNetwork(IPAddress address, IPAddress network, int bits)
    {
        if (address.AddressFamily != network.AddressFamily) return false;
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (int i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (n[i] & mask)) return false;
        }
        return true;
    }
}
