using Quai.Interop;

namespace Quai.Runtime.Process;

/// <summary>Finds the program to execute in the container's PATH, as exec.LookPath does for
/// runc: the error for a missing program comes at create time, not after start.</summary>
public static class PathLookup
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string Resolve(string program, IEnumerable<string>? env)
    {
        if (program.Contains('/'))
        {
            Check(program, program);
            return program;
        }
        var path = env?.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, program);
            if (IsExecutableFile(candidate)) return candidate;
        }
        throw new ExecutableNotFoundException($"exec: \"{program}\": executable file not found in $PATH");
    }

    private static void Check(string program, string path)
    {
        if (Libc.FstatAt(O.AT_FDCWD, path, out var st, 0) < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new ExecutableNotFoundException($"exec: \"{program}\": stat {path}: {Errno.Describe(errno).ToLowerInvariant()}",
                cannotExecute: errno != Errno.ENOENT && errno != Errno.ENOTDIR);
        }
        if ((st.Mode & 0xF000) == 0x4000)
            throw new ExecutableNotFoundException($"exec: \"{program}\": is a directory", cannotExecute: true);
        // execve would fail with EACCES: say so at create time (runc and crun do), not after start.
        if ((st.Mode & 0xF000) != 0x8000 || (st.Mode & 0x49) == 0)
            throw new ExecutableNotFoundException($"exec: \"{program}\": permission denied", cannotExecute: true);
    }

    private static bool IsExecutableFile(string path) =>
        Libc.FstatAt(O.AT_FDCWD, path, out var st, 0) == 0 && (st.Mode & 0xF000) == 0x8000 && (st.Mode & 0x49) != 0;
}

/// <summary>The container's program does not exist (127) or cannot be executed (126).</summary>
public sealed class ExecutableNotFoundException(string message, bool cannotExecute = false) : Exception(message)
{
    public int ExitCode => cannotExecute ? 126 : 127;
}
