namespace Quai.Engine.Exec;

/// <summary>What <c>docker exec</c> (and the API's exec create) asks for: a new process in a running container.</summary>
public sealed class ExecRequest
{
    public required IReadOnlyList<string> Args { get; init; }
    public bool Tty { get; init; }
    /// <summary>KEY=VALUE entries added to (or replacing in) the container's environment.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    /// <summary><c>name|uid[:group|gid]</c>, resolved in the container's own /etc/passwd and /etc/group.</summary>
    public string? User { get; init; }
    public bool Privileged { get; init; }
    /// <summary>The exec's ID (dockerd's execID in exec_create/exec_start/exec_die events).</summary>
    public string Id { get; } = Quai.Engine.Containers.ContainerStore.NewId();
}
