using System.Security.Cryptography;
using System.Text;

namespace Quai.Build.Executor;

/// <summary>The build cache: a step's key (its parent image, its instruction as expanded, and the digest
/// of every file it reads; never mtimes) → the image the step made. One file per key under
/// <c>&lt;root&gt;/build-cache</c>, written whole (temp, fsync, rename), so a killed build never leaves a
/// half entry; an entry whose image is gone is a miss.</summary>
public sealed class StepCache(string dir)
{
    public string Dir { get; } = dir;

    /// <summary>The cache of the image store at <paramref name="storeRoot"/>.</summary>
    public static StepCache For(string storeRoot) => new(Path.Combine(storeRoot, "build-cache"));

    /// <summary>Records a build's result: `images` shows it even untagged (Docker shows a dangling build
    /// result but hides the intermediate step images).</summary>
    public void MarkFinal(string imageId)
    {
        var dir = Path.Combine(Dir, "final");
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, imageId.Replace("sha256:", "")), "");
    }

    /// <summary>Step images that are no build's result: what `images` hides without -a.</summary>
    public HashSet<string> Intermediate()
    {
        var images = Images();
        var dir = Path.Combine(Dir, "final");
        if (Directory.Exists(dir))
            foreach (var f in Directory.EnumerateFiles(dir)) images.Remove("sha256:" + Path.GetFileName(f));
        return images;
    }

    public static string Key(params string[] parts)
    {
        var text = string.Join('\0', parts);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public string? Lookup(string key)
    {
        try { return File.ReadAllText(Path.Combine(Dir, key)).Trim(); }
        catch (IOException) { return null; }
    }

    public void Store(string key, string imageId)
    {
        Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = Path.Combine(Dir, $".{key}.{Environment.ProcessId}.tmp");
        using (var f = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            f.Write(Encoding.UTF8.GetBytes(imageId));
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, Path.Combine(Dir, key), overwrite: true);
    }

    /// <summary>The image IDs the cache holds (what `images` hides as intermediate, what prune may drop).</summary>
    public HashSet<string> Images()
    {
        if (!Directory.Exists(Dir)) return [];
        return Directory.EnumerateFiles(Dir).Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(f => { try { return File.ReadAllText(f).Trim(); } catch (IOException) { return ""; } })
            .Where(s => s.Length > 0).ToHashSet();
    }

    /// <summary><c>builder prune</c>: forgets every step (entries first, so no lookup finds an image being
    /// removed), then removes the step images no tag and no container holds; a build's untagged result
    /// stays an ordinary dangling image. Returns the removed image IDs and the space the collection freed.</summary>
    public (List<string> Deleted, long Reclaimed) Prune(Quai.Images.ImageStore store)
    {
        var steps = Intermediate();
        if (Directory.Exists(Dir))
            foreach (var f in Directory.EnumerateFiles(Dir)) File.Delete(f);
        var finals = Path.Combine(Dir, "final");
        if (Directory.Exists(finals))
            foreach (var f in Directory.EnumerateFiles(finals))
                if (store.TryFind("sha256:" + Path.GetFileName(f)) is null) File.Delete(f);
        var result = store.Prune(false, (img, tags) => tags.Count == 0 && steps.Contains(img.Id));
        var mounts = CacheMounts.Prune(Dir); // RUN --mount=type=cache directories no step is using
        return (result.Deleted, result.BytesReclaimed + mounts);
    }
}
