namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>skopeo (Debian's /usr/bin/skopeo) pointed at one registry, with the flags its setup needs on
/// every docker:// reference of that host: --*-tls-verify=false for an http registry, --*-cert-dir
/// <see cref="RegistryServer.HostCertDir"/> for the TLS one, --*-creds user:password when credentials
/// are set, else --*-no-creds (so no auth file of the host is read). References may be given with or
/// without "docker://". <see cref="Copy"/> and <see cref="Inspect"/> return the result (tests of
/// refusals look at it); <see cref="Push(TestImage, string)"/> throws with skopeo's output on failure.</summary>
public sealed class Skopeo
{
    private readonly string _host;
    private readonly bool _http;
    private readonly string? _certDir;

    public string? User { get; }
    public string? Password { get; }

    /// <summary>skopeo for <paramref name="registry"/>, with its credentials (if any).</summary>
    public Skopeo(RegistryServer registry)
        : this(registry.Host, registry.Scheme == "http", registry.HostCertDir, registry.User, registry.Password) { }

    /// <summary>skopeo for any registry host ("127.0.0.1:PORT"): http or https (trusting the CA
    /// certificates in <paramref name="certDir"/>), with or without credentials.</summary>
    public Skopeo(string host, bool http, string? certDir = null, string? user = null, string? password = null)
    {
        _host = host; _http = http; _certDir = certDir; User = user; Password = password;
    }

    /// <summary>The same registry with other credentials (null user = anonymous).</summary>
    public Skopeo WithCreds(string? user, string? password) => new(_host, _http, _certDir, user, password);

    /// <summary>skopeo with these arguments, nothing added (global --insecure-policy aside).</summary>
    public ToolResult Run(params string[] args) => Tool.Run("skopeo", ["--insecure-policy", .. args], TimeSpan.FromSeconds(180));

    /// <summary>skopeo copy SRC DST with <paramref name="extra"/> (e.g. "--all", "--format", "v2s2");
    /// docker:// references of this registry get its flags.</summary>
    public ToolResult Copy(string src, string dst, params string[] extra)
    {
        var args = new List<string> { "copy", "-q" };
        if (IsOurs(src)) args.AddRange(Flags("src"));
        if (IsOurs(dst)) args.AddRange(Flags("dest"));
        args.AddRange(extra);
        args.Add(Transport(src));
        args.Add(Transport(dst));
        return Run([.. args]);
    }

    /// <summary>skopeo inspect [--raw] of a reference ("HOST/repo:tag" or "docker://…"); stdout is the
    /// JSON (the manifest or index bytes with raw).</summary>
    public ToolResult Inspect(string reference, bool raw = false, params string[] extra)
    {
        var args = new List<string> { "inspect" };
        if (raw) args.Add("--raw");
        if (IsOurs(reference)) args.AddRange(Flags(null));
        args.AddRange(extra);
        args.Add(Transport(reference));
        return Run([.. args]);
    }

    /// <summary>Pushes an image of a layout to HOST/<paramref name="repositoryAndTag"/>; returns that reference.</summary>
    public string Push(TestImage image, string repositoryAndTag, params string[] extra)
    {
        var dst = $"{_host}/{repositoryAndTag}";
        Copy(image.OciRef, dst, extra).OrThrow();
        return dst;
    }

    /// <summary>Pushes a multi-arch index with all its images (--all) to HOST/<paramref name="repositoryAndTag"/>.</summary>
    public string Push(TestIndex index, string repositoryAndTag, params string[] extra)
    {
        var dst = $"{_host}/{repositoryAndTag}";
        Copy(index.OciRef, dst, ["--all", .. extra]).OrThrow();
        return dst;
    }

    private bool IsOurs(string reference)
    {
        var r = reference.StartsWith("docker://", StringComparison.Ordinal) ? reference["docker://".Length..] : reference;
        return r.StartsWith(_host + "/", StringComparison.Ordinal);
    }

    /// <summary>A bare "host/repo:tag" becomes "docker://host/repo:tag"; transports stay as given.</summary>
    private string Transport(string reference) =>
        reference.StartsWith(_host + "/", StringComparison.Ordinal) ? "docker://" + reference : reference;

    private IEnumerable<string> Flags(string? side)
    {
        var p = side is null ? "--" : $"--{side}-";
        if (_http) yield return p + "tls-verify=false";
        else if (_certDir is not null) { yield return p + "cert-dir"; yield return _certDir; }
        if (User is not null) { yield return p + "creds"; yield return $"{User}:{Password}"; }
        else yield return p + "no-creds";
    }
}
