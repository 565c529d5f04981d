using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Quai.Daemon;

/// <summary>Clients attached to a container that is not running yet (docker run attaches, then starts): the
/// start hands each the connection to the monitor's attach socket, made before the container runs, so the
/// first byte of output is seen.</summary>
public sealed class Attachments
{
    public sealed class Pending(bool stdin)
    {
        public bool Stdin { get; } = stdin;
        public TaskCompletionSource<Socket> Connection { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    /// <summary>Registers a client waiting for <paramref name="id"/> to start (one at a time, as the monitor has one first client).</summary>
    public Pending Add(string id, bool stdin)
    {
        var p = new Pending(stdin);
        _pending.AddOrUpdate(id, p, (_, old) => { old.Connection.TrySetCanceled(); return p; });
        return p;
    }

    public Pending? TakePending(string id) => _pending.TryRemove(id, out var p) && !p.Connection.Task.IsCompleted ? p : null;

    public void Remove(string id, Pending p) => _pending.TryRemove(new KeyValuePair<string, Pending>(id, p));

    private readonly ConcurrentDictionary<string, (int Code, long At)> _exits = new(StringComparer.Ordinal);

    /// <summary>An exit code an attached client received from the monitor: what wait(condition=removed) answers
    /// for a --rm container gone before a poll saw it exited.</summary>
    public void RecordExit(string id, int code)
    {
        var now = Environment.TickCount64;
        _exits[id] = (code, now);
        foreach (var old in _exits.Where(kv => now - kv.Value.At > 60_000).Select(kv => kv.Key).ToList()) _exits.TryRemove(old, out _);
    }

    public int? ExitOf(string id) => _exits.TryGetValue(id, out var e) ? e.Code : null;
}
