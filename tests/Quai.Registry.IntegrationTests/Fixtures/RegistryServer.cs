using System.Diagnostics;
using System.Text;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>How a <see cref="RegistryServer"/> is set up.</summary>
public enum RegistryMode { Plain, TlsBasic, Token }

/// <summary>A real registry: Debian's /usr/bin/docker-registry (distribution 2.8) serving
/// 127.0.0.1:<see cref="Port"/> (a free port), filesystem storage in a unique temporary directory
/// (<see cref="StorageDir"/>), deletes enabled, ready once /v2/ answers. Its stdout/stderr are in
/// <see cref="Log"/> (put it in failure messages). Three setups:
/// <list type="bullet">
/// <item><see cref="Plain"/>: http, no auth.</item>
/// <item><see cref="TlsBasic"/>: https with a certificate of a CA the fixture made (<see cref="CaPath"/>,
/// and <see cref="CertsDir"/> laid out like /etc/docker/certs.d), htpasswd (bcrypt) Basic auth.</item>
/// <item><see cref="Token"/>: http, token auth through the fixture's own <see cref="TokenServer"/>.</item>
/// </list>
/// Dispose kills the registry, waits for it, stops the token server and deletes every directory.</summary>
public sealed class RegistryServer : IDisposable
{
    private Process? _process;
    private readonly StringBuilder _log = new();
    private readonly string _dir;

    public RegistryMode Mode { get; }
    public int Port { get; }
    /// <summary>"127.0.0.1:PORT": the domain part of image references.</summary>
    public string Host => $"127.0.0.1:{Port}";
    /// <summary>"http" or "https".</summary>
    public string Scheme => Mode == RegistryMode.TlsBasic ? "https" : "http";
    /// <summary>http(s)://127.0.0.1:PORT/</summary>
    public Uri BaseUri => new($"{Scheme}://{Host}/");
    /// <summary>The user the registry (or its token server) accepts; null for <see cref="Plain"/>.</summary>
    public string? User { get; }
    public string? Password { get; }
    /// <summary>The filesystem driver's root directory.</summary>
    public string StorageDir { get; }
    /// <summary>The CA certificate (PEM) that signed the registry's certificate; TlsBasic only.</summary>
    public string? CaPath { get; }
    /// <summary>A directory laid out like /etc/docker/certs.d: <c>CertsDir/127.0.0.1:PORT/ca.crt</c>
    /// (and <c>localhost:PORT</c>); TlsBasic only. Give it to quai as QUAI_CERTS_DIR; skopeo and podman
    /// take <see cref="HostCertDir"/>.</summary>
    public string? CertsDir { get; }
    /// <summary><c>CertsDir/127.0.0.1:PORT</c>: the directory skopeo's --cert-dir and podman's --cert-dir take.</summary>
    public string? HostCertDir => CertsDir is null ? null : Path.Combine(CertsDir, Host);
    /// <summary>The token server (Token only).</summary>
    public TokenServer? TokenServer { get; }
    /// <summary>What the registry printed so far (stdout and stderr, interleaved).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    private RegistryServer(RegistryMode mode, string? user, string? password, bool allowAnonymousPull)
    {
        Mode = mode; User = user; Password = password;
        _dir = Directory.CreateTempSubdirectory("quai-registry-").FullName;
        StorageDir = Path.Combine(_dir, "storage");
        Directory.CreateDirectory(StorageDir);
        try
        {
            string? certPath = null, keyPath = null, htpasswd = null;
            if (mode == RegistryMode.TlsBasic)
            {
                var ca = TestCa.Create(Path.Combine(_dir, "ca"));
                CaPath = ca.CertPath;
                (certPath, keyPath, _) = ca.IssueServer(Path.Combine(_dir, "tls"));
                htpasswd = Path.Combine(_dir, "htpasswd");
                var h = Tool.Run("htpasswd", "-Bbn", user!, password!);
                if (!h.Ok) throw new InvalidOperationException("htpasswd (apache2-utils) failed: " + h);
                File.WriteAllText(htpasswd, h.Out.Trim() + "\n");
            }
            if (mode == RegistryMode.Token)
                TokenServer = new TokenServer(Path.Combine(_dir, "token"), user!, password!, allowAnonymousPull);

            // The port is chosen before docker-registry binds it: retry if another process took it meanwhile.
            for (var attempt = 1; ; attempt++)
            {
                Port = FreePort.Pick();
                var config = Path.Combine(_dir, "config.yml");
                File.WriteAllText(config, Config(certPath, keyPath, htpasswd));
                lock (_log) _log.Clear();
                _process = Start(config);
                var error = WaitReady();
                if (error is null) break;
                Kill();
                if (attempt >= 3 || !Log.Contains("address already in use"))
                    throw new InvalidOperationException($"docker-registry did not start ({error}):\n{Log}");
            }
            if (mode == RegistryMode.TlsBasic)
            {
                CertsDir = Path.Combine(_dir, "certs.d");
                foreach (var h in new[] { Host, $"localhost:{Port}" })
                {
                    Directory.CreateDirectory(Path.Combine(CertsDir, h));
                    File.Copy(CaPath!, Path.Combine(CertsDir, h, "ca.crt"));
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>An http registry without auth.</summary>
    public static RegistryServer Plain() => new(RegistryMode.Plain, null, null, false);

    /// <summary>An https registry (certificate for 127.0.0.1/localhost from a fresh CA) with htpasswd Basic auth.</summary>
    public static RegistryServer TlsBasic(string user = "quai", string password = "quai-secret") => new(RegistryMode.TlsBasic, user, password, false);

    /// <summary>An http registry with token auth through a <see cref="Fixtures.TokenServer"/> that knows
    /// <paramref name="user"/>; anonymous clients get pull tokens only when <paramref name="allowAnonymousPull"/>.</summary>
    public static RegistryServer Token(string user = "quai", string password = "quai-secret", bool allowAnonymousPull = false) =>
        new(RegistryMode.Token, user, password, allowAnonymousPull);

    /// <summary>"127.0.0.1:PORT/<paramref name="repositoryAndTag"/>".</summary>
    public string Ref(string repositoryAndTag) => $"{Host}/{repositoryAndTag}";

    /// <summary>The file holding a blob in the filesystem driver (…/blobs/sha256/ab/abcd…/data), for tamper
    /// tests. The registry serves it as it is (no check on read). Blobs are shared by every repository of
    /// the registry: tamper only a blob no other test uses (e.g. the extra layer of
    /// <c>TestImages.Busybox(dir, extraLayerBytes: N, seed: unique)</c>); the busybox layer and config are common.</summary>
    public string BlobDataPath(string digest)
    {
        var (alg, hex) = digest.Split(':') is [var a, var h] ? (a, h) : throw new ArgumentException("not a digest: " + digest);
        return Path.Combine(StorageDir, "docker/registry/v2/blobs", alg, hex[..2], hex, "data");
    }

    /// <summary>A unique repository name for a test ("prefix-xxxxxxxx").</summary>
    public static string UniqueRepo(string prefix = "test") => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    private string Config(string? cert, string? key, string? htpasswd)
    {
        var c = new StringBuilder();
        c.Append($"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {StorageDir}
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:{Port}
              secret: quai-test-secret-{Guid.NewGuid():N}
              headers:
                X-Content-Type-Options: [nosniff]

            """);
        if (cert is not null)
            c.Append($"""
                  tls:
                    certificate: {cert}
                    key: {key}

                """);
        if (htpasswd is not null)
            c.Append($"""
                auth:
                  htpasswd:
                    realm: quai-test-registry
                    path: {htpasswd}

                """);
        if (TokenServer is { } t)
            c.Append($"""
                auth:
                  token:
                    realm: {t.Realm}
                    service: {t.Service}
                    issuer: {t.Issuer}
                    rootcertbundle: {t.RootCertBundlePath}

                """);
        return c.ToString();
    }

    private Process Start(string config)
    {
        var psi = new ProcessStartInfo("/usr/bin/docker-registry") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        if (!p.Start()) throw new InvalidOperationException("cannot start /usr/bin/docker-registry");
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Null when /v2/ answered (200 or 401) within 15 s, else why not.</summary>
    private string? WaitReady()
    {
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited) return $"exited with {_process.ExitCode}";
            try
            {
                using var r = http.GetAsync(new Uri(BaseUri, "/v2/")).GetAwaiter().GetResult();
                if ((int)r.StatusCode is 200 or 401) return null;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            Thread.Sleep(50);
        }
        return "/v2/ did not answer within 15 s";
    }

    private void Kill()
    {
        if (_process is null) return;
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        TokenServer?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
