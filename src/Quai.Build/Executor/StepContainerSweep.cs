using System.Runtime.InteropServices;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Images.Metadata;

namespace Quai.Build.Executor;

/// <summary>What a build leaves if it dies. Its step containers (RUN, the created containers COPY --from and
/// WORKDIR read through) carry the label <see cref="OwnerLabel"/>: the builder's pid and start time. A step
/// container's monitor outlives a SIGKILLed build, so every build first removes the step containers whose
/// builder is gone, with the heredoc scripts and half-written cache entries of dead builders. Ctrl-C (SIGINT)
/// or SIGTERM of a build removes its own step containers at once and exits 130 (143).</summary>
public sealed class StepContainerSweep : IDisposable
{
    public const string OwnerLabel = "quai.build.owner";

    /// <summary>This process as a step container's owner: "pid:starttime".</summary>
    public static string Owner => MetadataStore.CurrentOwner;

    private readonly ContainerEngine _engine;
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _interrupted;

    private StepContainerSweep(ContainerEngine engine)
    {
        _engine = engine;
        foreach (var (sig, code) in new[] { (PosixSignal.SIGINT, 130), (PosixSignal.SIGTERM, 143) })
            _signals.Add(PosixSignalRegistration.Create(sig, ctx =>
            {
                ctx.Cancel = true;
                Interrupt(code);
            }));
    }

    /// <summary>Sweeps what dead builds left, then watches for an interrupt of this one until disposed.</summary>
    public static StepContainerSweep Begin(ContainerEngine engine)
    {
        SweepDead(engine);
        return new StepContainerSweep(engine);
    }

    /// <summary>Marks a container the build makes (a RUN step, or a created one it reads an image through): owned by
    /// this builder (swept if it dies), no anonymous volumes for the image's VOLUMEs, no health check.</summary>
    public static RunOptions Mark(RunOptions o)
    {
        o.Labels[OwnerLabel] = Owner;
        o.NoImageVolumes = true;
        o.NoHealthcheck = true;
        return o;
    }

    /// <summary>Directory of this build's heredoc scripts (RUN &lt;&lt;EOF with a #! line), removed by the sweep once the build is gone.</summary>
    public static string PipesDir(ContainerEngine engine) => Path.Combine(engine.Root, "build-pipes", Owner.Replace(':', '-'));

    private static volatile bool s_interrupting;

    /// <summary>True once SIGINT/SIGTERM is being handled: the build's own failure (its RUN killed by the
    /// handler) is not what the process reports.</summary>
    public static bool Interrupting => s_interrupting;

    /// <summary>Called by a build failing while it is interrupted: waits for the handler to end the process
    /// with 130 (143), so the exit status is the interrupt's, not the killed step's.</summary>
    public static void AwaitInterruptExit()
    {
        if (s_interrupting) Thread.Sleep(Timeout.Infinite);
    }

    private void Interrupt(int code)
    {
        if (Interlocked.Exchange(ref _interrupted, 1) != 0) return;
        s_interrupting = true;
        try
        {
            RemoveWhere(_engine, owner => owner == Owner);
            try { Directory.Delete(PipesDir(_engine), true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            Console.Error.WriteLine("ERROR: failed to solve: canceled");
            Console.Error.Flush();
        }
        finally
        {
            // _exit, not Environment.Exit: from a signal handler's thread, the managed shutdown (ProcessExit on
            // the finalizer thread, the signal registrations' own finalizers) can deadlock and leave the
            // process running; everything this build made is already removed
            Quai.Interop.Libc.Exit(code);
        }
    }

    /// <summary>Removes the step containers, heredoc scripts and cache temp files of builders that are gone.</summary>
    public static void SweepDead(ContainerEngine engine)
    {
        RemoveWhere(engine, owner => !MetadataStore.OwnerAlive(owner));
        var pipes = Path.Combine(engine.Root, "build-pipes");
        if (Directory.Exists(pipes))
            foreach (var d in Directory.EnumerateDirectories(pipes))
            {
                var owner = Path.GetFileName(d).Replace('-', ':');
                if (owner.Contains(':') && !MetadataStore.OwnerAlive(owner))
                    try { Directory.Delete(d, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        // StepCache writes ".<key>.<pid>.tmp" then renames it; a temp file whose writer is gone is debris
        var cache = StepCache.For(engine.Root).Dir;
        if (Directory.Exists(cache))
            foreach (var f in Directory.EnumerateFiles(cache, ".*.tmp"))
            {
                var parts = Path.GetFileName(f).Split('.');
                if (parts.Length >= 4 && int.TryParse(parts[^2], out var pid) && !Directory.Exists($"/proc/{pid}"))
                    try { File.Delete(f); } catch (IOException) { }
            }
    }

    private static void RemoveWhere(ContainerEngine engine, Func<string, bool> owned)
    {
        foreach (var c in engine.Store.All())
        {
            if (c.Config.Labels is not { } labels || !labels.TryGetValue(OwnerLabel, out var owner) || !owner.Contains(':') || !owned(owner)) continue;
            try { engine.Remove(c.Id, force: true, volumes: true); }
            catch (Exception e) when (e is IOException or InvalidOperationException or Quai.Engine.Containers.NotFoundException or Quai.Engine.Containers.ConflictException)
            { /* removed by a concurrent sweep, or left for the next one */ }
        }
    }

    /// <summary>Ends the watch. A build interrupted meanwhile never returns: the handler is removing its
    /// containers and exits with the signal's code (the build's own failure is not the outcome).</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _interrupted) != 0) Thread.Sleep(Timeout.Infinite);
        foreach (var s in _signals) s.Dispose();
    }
}
