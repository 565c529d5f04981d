using Quai.Images.Snapshots;

namespace Quai.Images.Tests;

/// <summary>A unique directory under /var/tmp (a real filesystem, where overlay works), removed on dispose
/// together with any mount left under it, also when the test failed.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; }

    public TempDir(string prefix = "quai-test")
    {
        Path = System.IO.Path.Combine("/var/tmp", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        foreach (var mount in MountsUnder(Path).OrderByDescending(m => m.Length))
            MountHelper.Unmount(mount);
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }

    public static List<string> MountsUnder(string prefix)
        => File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4].Replace("\\040", " "))
            .Where(m => m == prefix || m.StartsWith(prefix + "/", StringComparison.Ordinal)).ToList();
}

/// <summary>A fresh store in a temp directory.</summary>
public sealed class TempStore : IDisposable
{
    public TempDir Dir { get; }
    public ImageStore Store { get; }
    public string Root => Store.Root;

    public TempStore(string? snapshotter = null)
    {
        Dir = new TempDir("quai-store");
        Store = ImageStore.Open(new ImageStoreOptions { Root = Dir.Sub("root"), Snapshotter = snapshotter });
    }

    public ImageStore OpenAnother() => ImageStore.Open(new ImageStoreOptions { Root = Root });

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Dir.Dispose();
    }
}
