namespace Quai.Engine.Containers;

// The engine's errors, each a class of Docker's answers (the daemon's status code, the CLI's exit code):
// fronts (the CLI, the coming API daemon) map them, never their message text.

/// <summary>"No such container/volume": exit 1 like the Docker CLI on a daemon 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);
/// <summary>Name conflicts, rm of a running container, exec into a stopped one: exit 1 (daemon 409).</summary>
public sealed class ConflictException(string message) : Exception(message);
/// <summary>The container turned out to be running when checked again under its lock.</summary>
public sealed class ContainerBusyException(string message) : Exception(message);
/// <summary>A request the daemon refuses as a bad parameter (daemon 400), e.g. an invalid ps filter: the CLI prints
/// "Error response from daemon: …" and exits 1.</summary>
public sealed class InvalidParameterException(string message) : Exception(message);
/// <summary>Bad flag values: exit 125.</summary>
public sealed class EngineUsageException(string message) : Exception(message);
/// <summary>The container's command could not run: 126 (cannot execute) or 127 (not found).</summary>
public sealed class ContainerStartException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
