using System.Text.Json;
using Quai.Interop;
using Quai.Oci.Runtime;
using Quai.Runtime.Process;

namespace Quai.Runtime.Hooks;

/// <summary>Runs OCI hooks: each gets the container state JSON on stdin, its own args and env,
/// and is killed after its timeout. A failing hook fails the operation that ran it (and the hooks
/// after it do not run), except poststart and poststop: the runtime spec says their failures are
/// logged and the remaining hooks and the lifecycle go on.</summary>
public static unsafe class HookRunner
{
    /// <param name="warnAndContinue">when set (poststart, poststop), a failure is reported here and the
    /// next hooks still run; otherwise the first failure throws.</param>
    public static void Run(string phase, IReadOnlyList<Hook>? hooks, State state, Action<string>? warnAndContinue = null)
    {
        if (hooks is null || hooks.Count == 0) return;
        var json = JsonSerializer.SerializeToUtf8Bytes(state, RuntimeJsonContext.Default.State);
        for (var i = 0; i < hooks.Count; i++)
        {
            try { RunOne(phase, i, hooks[i], json); }
            catch (HookException e) when (warnAndContinue is not null) { warnAndContinue(e.Message); }
        }
    }

    private static void RunOne(string phase, int index, Hook hook, byte[] stdin)
    {
        var pipe = ProcessSpawner.Pipe();
        int pid;
        try
        {
            var args = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            pid = ProcessSpawner.Spawn(hook.Path, args, hook.Env ?? [], [(pipe[0], 0), (1, 1), (2, 2)]);
        }
        catch (ErrnoException e)
        {
            Libc.Close(pipe[0]);
            Libc.Close(pipe[1]);
            throw new HookException($"{phase} hook #{index} ({hook.Path}): {e.Message}");
        }
        Libc.Close(pipe[0]);
        fixed (byte* p = stdin)
        {
            var off = 0;
            while (off < stdin.Length)
            {
                var n = Libc.Write(pipe[1], p + off, stdin.Length - off);
                if (n <= 0) break; // the hook may not read its stdin: that is its right
                off += (int)n;
            }
        }
        Libc.Close(pipe[1]);
        var status = ProcessSpawner.Wait(pid, hook.Timeout is > 0 ? TimeSpan.FromSeconds(hook.Timeout.Value) : null);
        if (status is null)
            throw new HookException($"{phase} hook #{index} ({hook.Path}) did not finish within its timeout of {hook.Timeout}s");
        if (status != 0)
            throw new HookException($"{phase} hook #{index} ({hook.Path}) failed: exit status {ProcessSpawner.ExitCode(status.Value)}");
    }
}

public sealed class HookException(string message) : RuntimeException(message);
