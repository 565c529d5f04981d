using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Quai.Build.Syntax;
using Quai.Engine;

namespace Quai.Build.Executor;

/// <summary>One stage of one platform's build, with the nodes it waits for (the stages it uses) and the
/// number its first step line gets (its place in the sequential order, so numbers do not depend on timing).</summary>
internal sealed record StageNode(BuildRun Run, Stage Stage, string From, List<StageNode> Dependencies, int FirstStep)
{
    public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What the stages of a build share across threads: whether the build is cancelled (a stage
/// failed), one lock per cache key (two stages about to make the same step wait for each other, so the
/// second finds the first's image in the cache: a parallel build makes the images a sequential one makes),
/// and the RUN containers that are running (killed when the build is cancelled).</summary>
internal sealed class BuildShared
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _containers = [];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _keys = new(StringComparer.Ordinal);
    private volatile bool _cancelled;

    public bool IsCancelled => _cancelled;

    /// <summary>Throws <see cref="OperationCanceledException"/> once another stage has failed.</summary>
    public void ThrowIfCancelled()
    {
        if (_cancelled) throw new OperationCanceledException("the build was cancelled: another stage failed");
    }

    /// <summary>Held while a step with this cache key is looked up and made.</summary>
    public IDisposable LockStep(string key)
    {
        var gate = _keys.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        gate.Wait();
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) gate.Release(); }
    }

    /// <summary>A RUN container was created: it is killed if the build is cancelled (throws if it already is,
    /// so the step removes it instead of starting it).</summary>
    public void Started(string containerId)
    {
        lock (_lock)
        {
            ThrowIfCancelled();
            _containers.Add(containerId);
        }
    }

    /// <summary>Cancels the build: no stage starts another step, and running RUN containers are killed.</summary>
    public void Cancel(ContainerEngine engine)
    {
        List<string> running;
        lock (_lock)
        {
            _cancelled = true;
            running = [.. _containers];
        }
        foreach (var id in running)
            try { engine.Kill(id); }
            catch (Exception e) when (e is not OutOfMemoryException) { /* not started yet, or already gone: the step ends on its own */ }
    }
}

/// <summary>Runs a build's stage graph: each stage on its own thread as soon as the stages it uses are done,
/// at most one per core (two on a one-core machine) at a time; the first failure cancels the rest (stages not started do not start,
/// running ones stop after their current step, their RUN containers are killed) and is what the build
/// reports. Returns once every started stage has ended.</summary>
internal static class StageScheduler
{
    public static void Run(IReadOnlyList<StageNode> nodes, int steps, BuildShared shared, ContainerEngine engine)
    {
        using var slots = new SemaphoreSlim(Math.Max(2, Environment.ProcessorCount)); // at least two: a RUN mostly waits
        ExceptionDispatchInfo? first = null;
        var threads = new List<Thread>();
        foreach (var node in nodes)
        {
            var t = new Thread(() =>
            {
                try
                {
                    foreach (var dep in node.Dependencies) dep.Done.Task.Wait();
                    slots.Wait();
                    try
                    {
                        shared.ThrowIfCancelled();
                        int step = node.FirstStep;
                        node.Run.Built[node.Stage.Index] = new StageRunner(node.Run, node.Stage, node.From).Run(ref step, steps);
                    }
                    finally { slots.Release(); }
                    node.Done.SetResult();
                }
                catch (Exception e)
                {
                    var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
                    if (inner is not OperationCanceledException && Interlocked.CompareExchange(ref first, ExceptionDispatchInfo.Capture(inner), null) is null)
                        shared.Cancel(engine);
                    node.Done.SetCanceled();
                }
            })
            { IsBackground = true, Name = $"build stage {node.Stage.Name ?? node.Stage.Index.ToString()}" };
            threads.Add(t);
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        first?.Throw();
        // every node failed only by cancellation cannot happen without a first error; a guard all the same
        if (nodes.Any(n => !n.Done.Task.IsCompletedSuccessfully)) throw new BuildException("the build was cancelled");
    }
}
