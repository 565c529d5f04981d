namespace Quai.Build.Context;

/// <summary>A .dockerignore that Docker would refuse: a malformed pattern (an unterminated <c>[</c>, a
/// trailing <c>\</c>, a reversed range), a lone <c>!</c>, or a line over 64 KiB. The message names the
/// file and the line.</summary>
public sealed class DockerIgnoreException(string message, int line) : FormatException(message)
{
    /// <summary>The 1-based line of the .dockerignore (0 for a pattern that came from no file).</summary>
    public int Line { get; } = line;
}
