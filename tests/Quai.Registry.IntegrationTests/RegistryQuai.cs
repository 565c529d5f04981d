using System.Text;
using Quai.Engine.IntegrationTests;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>A quai store (QuaiHost, with its busybox image "bb") whose quai sees no engine configuration of the host:
/// its own empty DOCKER_CONFIG directory, no /etc/quai/daemon.json, no certs.d, unless a test gives them.
/// Dispose removes the store, the config directory and every container.</summary>
public sealed class RegistryQuai : IDisposable
{
    public QuaiHost Q { get; } = new();
    public string ConfigDir { get; } = Directory.CreateTempSubdirectory("quai-docker-config-").FullName;

    public RegistryQuai()
    {
        Q.Env["DOCKER_CONFIG"] = ConfigDir;
        Q.Env["QUAI_DAEMON_CONFIG"] = Path.Combine(ConfigDir, "no-daemon.json");
        Q.Env["QUAI_CERTS_DIR"] = Path.Combine(ConfigDir, "no-certs.d");
    }

    public Result Run(params string[] args) => Q.RunWith(null, TimeSpan.FromSeconds(120), args);

    public string Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.Code == 0, $"quai {string.Join(' ', args)}: {r}");
        return r.Out.Trim();
    }

    /// <summary>Writes config.json with docker's "auths" entry for <paramref name="host"/> (what `docker login` leaves).</summary>
    public void SaveLogin(string host, string user, string password)
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        File.WriteAllText(Path.Combine(ConfigDir, "config.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
    }

    /// <summary>The store's blob files (digest hex names).</summary>
    public HashSet<string> Blobs()
    {
        var dir = Path.Combine(Q.Root, "content", "blobs", "sha256");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Select(f => Path.GetFileName(f)!).ToHashSet() : [];
    }

    public void Dispose()
    {
        Q.Dispose();
        try { Directory.Delete(ConfigDir, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
