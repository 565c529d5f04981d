namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>podman (Debian's /usr/bin/podman) with a private store: --root and --runroot in its own
/// temporary directory (never the host's podman store), overlay storage, cgroupfs, file events.
/// <see cref="Pull"/> adds the flags of the registry's setup (--tls-verify=false for http,
/// --cert-dir for TLS, --creds). Dispose resets the store, unmounts whatever podman left mounted under
/// its directories (overlay, shm) and deletes them.</summary>
public sealed class Podman : IDisposable
{
    private readonly string _dir;
    /// <summary>podman's --root (its storage).</summary>
    public string Root { get; }
    /// <summary>podman's --runroot.</summary>
    public string RunRoot { get; }

    public Podman()
    {
        _dir = Directory.CreateTempSubdirectory("quai-podman-").FullName;
        Root = Path.Combine(_dir, "root");
        RunRoot = Path.Combine(_dir, "run");
    }

    /// <summary>podman with its private store and these arguments.</summary>
    public ToolResult Run(params string[] args) => Tool.Run("podman",
        ["--root", Root, "--runroot", RunRoot, "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--events-backend", "file", .. args],
        TimeSpan.FromSeconds(180));

    /// <summary>podman pull of <paramref name="reference"/> ("HOST/repo:tag") from <paramref name="registry"/>.</summary>
    public ToolResult Pull(RegistryServer registry, string reference, params string[] extra) =>
        Pull(reference, registry.Scheme == "http", registry.HostCertDir, registry.User, registry.Password, extra);

    /// <summary>podman pull from any registry: http (--tls-verify=false) or https with the CA
    /// certificates of <paramref name="certDir"/>, with or without credentials.</summary>
    public ToolResult Pull(string reference, bool http, string? certDir = null, string? user = null, string? password = null, params string[] extra)
    {
        var args = new List<string> { "pull", "-q" };
        if (http) args.Add("--tls-verify=false");
        else if (certDir is not null) { args.Add("--cert-dir"); args.Add(certDir); }
        if (user is not null) { args.Add("--creds"); args.Add($"{user}:{password}"); }
        args.AddRange(extra);
        args.Add(reference);
        return Run([.. args]);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Run("system", "reset", "-f");
        Unmount(_dir);
        try { Directory.Delete(_dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>Lazily unmounts every mount at or under <paramref name="dir"/>, deepest first
    /// (from /proc/self/mountinfo; octal escapes of the path decoded).</summary>
    public static void Unmount(string dir)
    {
        var prefix = dir.TrimEnd('/');
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => Decode(l.Split(' ')[4]))
            .Where(m => m == prefix || m.StartsWith(prefix + "/", StringComparison.Ordinal))
            .Distinct().OrderByDescending(m => m.Length).ToList();
        foreach (var m in mounts) Tool.Run("umount", "-l", m);
    }

    private static string Decode(string s) =>
        System.Text.RegularExpressions.Regex.Replace(s, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}
