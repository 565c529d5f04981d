namespace Quai.Runtime.Tests.Cgroups;

/// <summary>A temp directory laid out like /sys/fs/cgroup (control files are plain files); deleted on dispose.</summary>
internal sealed class FakeCgroupRoot : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "quai-fakecg-" + Guid.NewGuid().ToString("N"));

    public FakeCgroupRoot() => Directory.CreateDirectory(Root);

    public string Dir(string rel)
    {
        var d = Path.Combine(Root, rel.TrimStart('/'));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Creates <paramref name="files"/> (name or name=initial) in dir <paramref name="rel"/>.</summary>
    public string Touch(string rel, params string[] files)
    {
        var d = Dir(rel);
        foreach (var f in files)
        {
            int eq = f.IndexOf('=');
            File.WriteAllText(Path.Combine(d, eq < 0 ? f : f[..eq]), eq < 0 ? "" : f[(eq + 1)..]);
        }
        return d;
    }

    public string Read(string rel, string file) => File.ReadAllText(Path.Combine(Root, rel.TrimStart('/'), file));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
