using System.Security.Cryptography;
using System.Text;
using Quai.Build.Syntax;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Build.Executor;

/// <summary>
/// The directories of <c>RUN --mount=type=cache</c>: <c>&lt;root&gt;/build-cache/mounts/&lt;hash of id&gt;</c>,
/// private to root like the rest of the store, kept across builds and builder processes until
/// <c>builder prune</c>. Each directory has a lock file beside it (<c>&lt;hash&gt;.lock</c>, outside what it
/// guards): sharing=shared holds it shared, sharing=locked exclusive (a second user waits), sharing=private
/// takes it only if it is free and otherwise uses (or makes) the next instance, <c>&lt;hash&gt;-1</c>,
/// <c>&lt;hash&gt;-2</c>…, so concurrent private users never see each other's files. Prune removes only what
/// it can lock exclusively.
/// <para>The step directories (<c>build-cache/tmp/&lt;id&gt;</c>: a bind's copy of the context, a secret's file,
/// an ssh socket) live as long as their RUN step, each held by a lock beside it; one whose build was killed is
/// swept by the next step that needs one, and by prune.</para>
/// </summary>
public static class CacheMounts
{
    /// <summary>The cache mounts' directory of a build cache directory (<see cref="StepCache.Dir"/>).</summary>
    public static string MountsDir(string cacheDir) => Path.Combine(cacheDir, "mounts");

    /// <summary>Where the RUN steps' temporary directories are.</summary>
    public static string TempDir(string cacheDir) => Path.Combine(cacheDir, "tmp");

    /// <summary>The directory name of cache <paramref name="id"/> seeded from <paramref name="seed"/> ("" when empty at first).</summary>
    public static string NameOf(string id, string seed) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id + "\0" + seed)))[..32];

    /// <summary>Takes the cache directory <paramref name="name"/> for one RUN step under <paramref name="sharing"/>'s
    /// rule; creates it when it is new (with <paramref name="create"/>, which fills a fresh directory). Returns the
    /// directory and the lock to dispose when the step is done.</summary>
    public static (string Dir, IDisposable Lock) Acquire(string cacheDir, string name, MountSharing sharing, Action<string> create)
    {
        var root = MountsDir(cacheDir);
        Directory.CreateDirectory(cacheDir, PrivateStore.DirMode);
        Directory.CreateDirectory(root, PrivateStore.DirMode);
        for (int n = 0; ; n++)
        {
            var instance = n == 0 ? name : $"{name}-{n}";
            var lockPath = Path.Combine(root, instance + ".lock");
            FileLock? held = sharing switch
            {
                MountSharing.Locked => new FileLock(lockPath, exclusive: true),
                MountSharing.Private => FileLock.TryTake(lockPath, exclusive: true),
                _ => new FileLock(lockPath, exclusive: false),
            };
            if (held is null) continue; // private: another step uses this one
            try
            {
                var dir = Path.Combine(root, instance);
                if (!Directory.Exists(dir))
                {
                    // made aside and renamed: a shared user that creates it at the same time loses the rename, never half a seed
                    var temp = Path.Combine(root, $".{instance}.{Environment.ProcessId}.{Guid.NewGuid():N}");
                    try
                    {
                        create(temp);
                        try { Directory.Move(temp, dir); }
                        catch (IOException) when (Directory.Exists(dir)) { }
                    }
                    finally { if (Directory.Exists(temp)) Directory.Delete(temp, true); }
                }
                return (dir, held);
            }
            catch { held.Dispose(); throw; }
        }
    }

    /// <summary>A new step directory (0700) and the lock that keeps <see cref="Sweep"/> off it while the step runs.</summary>
    public static (string Dir, IDisposable Lock) NewStepDir(string cacheDir)
    {
        var root = TempDir(cacheDir);
        Directory.CreateDirectory(cacheDir, PrivateStore.DirMode);
        Directory.CreateDirectory(root, PrivateStore.DirMode);
        Sweep(cacheDir);
        var dir = Path.Combine(root, Guid.NewGuid().ToString("N"));
        var held = new FileLock(dir + ".lock");
        Directory.CreateDirectory(dir, PrivateStore.DirMode);
        return (dir, new Release(() =>
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
            finally { held.RemoveFile(); held.Dispose(); }
        }));
    }

    /// <summary>Removes the step directories no running step holds (left by a killed build).</summary>
    public static void Sweep(string cacheDir)
    {
        var root = TempDir(cacheDir);
        if (!Directory.Exists(root)) return;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            using var l = FileLock.TryTake(dir + ".lock");
            if (l is null) continue;
            try { Directory.Delete(dir, true); } catch (IOException) { continue; }
            l.RemoveFile();
        }
        foreach (var f in Directory.EnumerateFiles(root, "*.lock"))
            if (!Directory.Exists(f[..^".lock".Length]) && FileLock.TryTake(f) is { } l) using (l) l.RemoveFile();
    }

    /// <summary><c>builder prune</c>: removes every cache mount no step is using (and stale step directories);
    /// returns the bytes their files held.</summary>
    public static long Prune(string cacheDir)
    {
        Sweep(cacheDir);
        var root = MountsDir(cacheDir);
        if (!Directory.Exists(root)) return 0;
        long freed = 0;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.'))
            {
                // a creation that was killed before its rename
                try { Directory.Delete(dir, true); } catch (IOException) { }
                continue;
            }
            using var l = FileLock.TryTake(dir + ".lock");
            if (l is null) continue; // in use by a running step
            freed += SizeOf(dir);
            Directory.Delete(dir, true);
            l.RemoveFile();
        }
        return freed;
    }

    private static long SizeOf(string dir)
    {
        long total = 0;
        try
        {
            // no symlink is followed: a link to a directory is an entry, not a directory to enter
            foreach (var f in new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
                if (!f.Attributes.HasFlag(FileAttributes.ReparsePoint)) total += f.Length;
        }
        catch (IOException) { }
        return total;
    }

    private sealed class Release(Action action) : IDisposable
    {
        private Action? _action = action;
        public void Dispose() { var a = Interlocked.Exchange(ref _action, null); a?.Invoke(); }
    }
}
