namespace Quai.Network.Networks;

// Classes of Docker's answers, as the engine's own errors: fronts map the class, never the text.

/// <summary>"network x not found": exit 1 (daemon 404).</summary>
public sealed class NetworkNotFoundException(string message) : Exception(message);
/// <summary>A name taken, an overlapping pool, a network in use, a port taken: exit 1 (daemon 403/409).</summary>
public sealed class NetworkConflictException(string message) : Exception(message);
/// <summary>Bad input (a malformed subnet, -p, option): exit 1 for network commands, 125 for run.</summary>
public sealed class NetworkUsageException(string message) : Exception(message);
