namespace Quai.Runtime.Cgroups;

/// <summary>A cgroup configuration or state error that is not a plain syscall failure.</summary>
public sealed class CgroupException : RuntimeException
{
    public CgroupException(string message) : base(message) { }
    public CgroupException(string message, Exception inner) : base(message, inner) { }
}
