namespace Quai.Build.Executor;

/// <summary>A build that cannot go on: the message names the Dockerfile line, as docker build's do
/// (<c>Dockerfile:3: …</c>); <see cref="ExitCode"/> is a failing RUN's status, else 1.</summary>
public sealed class BuildException(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
