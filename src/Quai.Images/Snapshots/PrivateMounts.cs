using System.Runtime.ExceptionServices;
using Quai.Interop;

namespace Quai.Images.Snapshots;

/// <summary>Runs work that needs a temporary mount (applying a layer onto an overlay of its parents, reaching a
/// stopped container's files) on a thread of its own with a private mount namespace: unshare(CLONE_FS|CLONE_NEWNS)
/// on that thread only, with every mount made private so nothing propagates back. The host's mount table never
/// holds the mount, so a process killed mid-way leaves none behind: the namespace, and its mounts, go with the last
/// thread in it. A descriptor opened below such a mount keeps working after the thread is gone (the kernel keeps a
/// detached mount alive while something holds it) and releases it on close.</summary>
public static class PrivateMounts
{
    private const ulong MS_REC = 0x4000, MS_PRIVATE = 1 << 18;

    /// <summary>Runs <paramref name="action"/> in a fresh private mount namespace, on a dedicated thread (path
    /// lookups of other threads of the process do not see its mounts). <paramref name="what"/> names the work in errors.</summary>
    public static T Run<T>(string what, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (Libc.Unshare(Clone.FS | Clone.NEWNS) != 0) throw ErrnoException.FromLast($"unshare a mount namespace to {what}");
                NativeFs.Mount("", "/", "", MS_REC | MS_PRIVATE, null);
                result = action();
            }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        }, maxStackSize: 16 << 20) { IsBackground = true, Name = "private-mounts" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    /// <summary>Like <see cref="Run{T}"/>, but the namespace outlives <paramref name="setup"/>: its thread waits
    /// until the returned handle is disposed. For mounts that must stay attached to each other while descriptors
    /// below them are used from other threads (a container's rootfs with its volumes bound in: a detached tree
    /// would lose its submounts). A killed process still leaves nothing: the namespace dies with it.</summary>
    public static (T Result, IDisposable Release) Hold<T>(string what, Func<T> setup)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var ready = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            try
            {
                if (Libc.Unshare(Clone.FS | Clone.NEWNS) != 0) throw ErrnoException.FromLast($"unshare a mount namespace to {what}");
                NativeFs.Mount("", "/", "", MS_REC | MS_PRIVATE, null);
                result = setup();
            }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
            ready.Set();
            if (error is null) release.Wait();
        }, maxStackSize: 1 << 20) { IsBackground = true, Name = "private-mounts" };
        thread.Start();
        ready.Wait();
        if (error is not null)
        {
            thread.Join();
            error.Throw();
        }
        return (result, new Releaser(release, thread));
    }

    private sealed class Releaser(ManualResetEventSlim release, Thread thread) : IDisposable
    {
        public void Dispose()
        {
            release.Set();
            thread.Join();
        }
    }
}
