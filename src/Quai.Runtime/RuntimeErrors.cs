namespace Quai.Runtime;

/// <summary>An error of the runtime itself, printed as is (exit status 1 like runc). Every error the
/// runtime raises on purpose is one of these; syscall failures are <see cref="Quai.Interop.ErrnoException"/>.</summary>
public class RuntimeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The container's process could not be started. <see cref="ExitCode"/> is Docker's class
/// of the failure, carried as data: 127 the program does not exist, 126 it cannot be executed,
/// 125 anything else (a capability the host lacks, a startContainer hook...).</summary>
public sealed class ProcessStartException(string message, int exitCode) : RuntimeException(message)
{
    public int ExitCode { get; } = exitCode is 126 or 127 ? exitCode : 125;
}

public sealed class ContainerNotFoundException(string id) : RuntimeException($"container does not exist: {id}");
