using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

/// <summary>One entry of the build cache: a step's key, the image it made, when it was made and last used, and
/// how many builds used it.</summary>
public sealed record CacheRecord(string Key, string ImageId, DateTimeOffset Created, DateTimeOffset LastUsed, int Usage);

/// <summary>An entry as <c>system df</c> shows it: the bytes its step added (its own layer, unpacked and stored;
/// 0 for a config-only step), whether an image outside the cache holds that layer too (shared: removing the
/// entry frees nothing), and whether a container uses its image.</summary>
public sealed record CacheUsage(CacheRecord Record, long Size, bool Shared, bool InUse)
{
    public string Type => "regular";
    public bool Reclaimable => !Shared && !InUse;
}

/// <summary>What <c>builder prune</c> removes: entries last used before <see cref="Until"/> (all when null), then
/// the least recently used first while the cache is bigger than <see cref="KeepStorage"/>.</summary>
public sealed record CachePruneOptions(DateTimeOffset? Until = null, long? KeepStorage = null);

/// <summary>The build cache: a step's key (its parent image, its instruction as expanded, and the digest
/// of every file it reads; never mtimes) → the image the step made. One file per key under
/// <c>&lt;root&gt;/build-cache</c>, written whole (temp, fsync, rename), so a killed build never leaves a
/// half entry; an entry whose image is gone is a miss. The file holds the image ID on its first line, then
/// <c>created UNIX-MS</c> and <c>used COUNT</c>; its mtime is when a build last used it. Whether an image is
/// a step or a build's result is the image store's own record (<see cref="DeriveOptions.BuildStep"/>).</summary>
public sealed class StepCache(string dir)
{
    public string Dir { get; } = dir;

    /// <summary>The cache of the image store at <paramref name="storeRoot"/>.</summary>
    public static StepCache For(string storeRoot) => new(Path.Combine(storeRoot, "build-cache"));

    public static string Key(params string[] parts)
    {
        var text = string.Join('\0', parts);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The image of the step, if the cache has it; a hit counts as a use.</summary>
    public string? Lookup(string key)
    {
        var path = Path.Combine(Dir, key);
        var rec = Read(path);
        if (rec is null) return null;
        try { Write(key, rec with { Usage = rec.Usage + 1 }, durable: false); } // the count is a statistic: no fsync on a hit
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return rec.ImageId;
    }

    public void Store(string key, string imageId)
    {
        var now = DateTimeOffset.UtcNow;
        Write(key, new CacheRecord(key, imageId, now, now, 1), durable: true);
    }

    private void Write(string key, CacheRecord rec, bool durable)
    {
        Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = Path.Combine(Dir, $".{key}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        var text = string.Create(CultureInfo.InvariantCulture, $"{rec.ImageId}\ncreated {rec.Created.ToUnixTimeMilliseconds()}\nused {rec.Usage}\n");
        using (var f = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            f.Write(Encoding.UTF8.GetBytes(text));
            if (durable) f.Flush(flushToDisk: true);
        }
        File.Move(temp, Path.Combine(Dir, key), overwrite: true);
    }

    /// <summary>An entry file; null when it is missing or not one (a first line that is no image ID).</summary>
    private static CacheRecord? Read(string path)
    {
        string[] lines;
        DateTimeOffset used;
        try
        {
            lines = File.ReadAllLines(path);
            used = File.GetLastWriteTimeUtc(path);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        if (lines.Length == 0 || !lines[0].Trim().StartsWith("sha256:", StringComparison.Ordinal)) return null;
        var created = used;
        int usage = 1;
        foreach (var l in lines.Skip(1))
        {
            if (l.StartsWith("created ", StringComparison.Ordinal) && long.TryParse(l[8..], CultureInfo.InvariantCulture, out var ms))
                created = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            else if (l.StartsWith("used ", StringComparison.Ordinal) && int.TryParse(l[5..], CultureInfo.InvariantCulture, out var n)) usage = n;
        }
        return new CacheRecord(Path.GetFileName(path), lines[0].Trim(), created, used, usage);
    }

    /// <summary>Every entry (temp files and the old <c>final/</c> markers are none).</summary>
    public List<CacheRecord> Records()
    {
        if (!Directory.Exists(Dir)) return [];
        return Directory.EnumerateFiles(Dir).Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Select(Read).Where(r => r is not null).Select(r => r!).ToList();
    }

    /// <summary>The image IDs the cache holds.</summary>
    public HashSet<string> Images() => Records().Select(r => r.ImageId).ToHashSet();

    /// <summary>Each entry's size and state for <c>system df</c>. An entry's bytes are its step's own layer
    /// (the top layer, when the step's history entry is not <c>empty_layer</c>): its unpacked snapshot and its
    /// blob. Entries whose image is gone are left out.</summary>
    public List<CacheUsage> Usage(ImageStore store)
    {
        var images = store.Metadata.Images().ToDictionary(i => i.Id);
        var snapshots = store.Metadata.Snapshots().ToDictionary(s => s.Key);
        var inUse = store.ImagesInUse();
        // the layers images outside the cache hold (their chains, every parent included)
        var held = new HashSet<string>();
        foreach (var img in images.Values.Where(i => !i.BuildStep))
            for (var k = img.TopChain; k is not null && held.Add(k) && snapshots.TryGetValue(k, out var s);) k = s.Parent;
        var result = new List<CacheUsage>();
        var counted = new HashSet<string>();
        foreach (var rec in Records())
        {
            if (!images.TryGetValue(rec.ImageId, out var img)) continue;
            long size = 0;
            bool shared = false;
            if (img.TopChain is { } top && counted.Add(top) && OwnLayer(store, img) is { } layer)
            {
                shared = held.Contains(top);
                size = (snapshots.TryGetValue(top, out var snap) ? snap.Size : 0) + layer.Size;
            }
            result.Add(new CacheUsage(rec, size, shared, inUse.Contains(img.Id)));
        }
        return result;
    }

    /// <summary>The layer an image's last step added, or null when that step added none.</summary>
    private static Descriptor? OwnLayer(ImageStore store, Quai.Images.Metadata.ImageRecord img)
    {
        try
        {
            var r = store.Describe(img);
            if (r.Config.History is { Count: > 0 } h && h[^1].EmptyLayer == true) return null;
            return r.Manifest.Layers.LastOrDefault();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException) { return null; }
    }

    /// <summary><c>builder prune</c>: forgets the entries <paramref name="options"/> selects (all by default;
    /// entries first, so no lookup finds an image being removed), then removes the step images no remaining
    /// entry, tag or container holds; a build's untagged result stays an ordinary dangling image. Returns the
    /// forgotten entries' keys and the space the collection freed.</summary>
    public (List<string> Deleted, long Reclaimed) Prune(ImageStore store, CachePruneOptions? options = null)
    {
        options ??= new CachePruneOptions();
        var usage = Usage(store).ToDictionary(u => u.Record.Key);
        var records = Records();
        var candidates = records.Where(r => options.Until is not { } until || r.LastUsed < until).OrderBy(r => r.LastUsed).ToList();
        if (options.KeepStorage is { } keep)
        {
            long total = usage.Values.Sum(u => u.Size);
            var chosen = new List<CacheRecord>();
            foreach (var r in candidates)
            {
                if (total <= keep) break;
                chosen.Add(r);
                total -= usage.TryGetValue(r.Key, out var u) ? u.Size : 0;
            }
            candidates = chosen;
        }
        var deleted = new List<string>();
        foreach (var r in candidates)
        {
            try { File.Delete(Path.Combine(Dir, r.Key)); deleted.Add(r.Key); }
            catch (IOException) { }
        }
        var kept = Records().Select(r => r.ImageId).ToHashSet();
        // markers of the build results before the store recorded them (an older quai)
        var finals = Path.Combine(Dir, "final");
        if (Directory.Exists(finals) && kept.Count == 0) Directory.Delete(finals, true);
        var result = store.Prune(false, (img, tags) => tags.Count == 0 && img.BuildStep && !kept.Contains(img.Id));
        // RUN --mount=type=cache directories no step is using: with a full prune only (filters select entries)
        var mounts = options.Until is null && options.KeepStorage is null ? CacheMounts.Prune(Dir) : 0;
        return (deleted, result.BytesReclaimed + mounts);
    }
}
