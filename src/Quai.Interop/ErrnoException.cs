using System.Runtime.InteropServices;

namespace Quai.Interop;

/// <summary>A failed system call, named with the operation and the object it acted on:
/// <c>mount /proc on /var/lib/quai/...: EPERM (Operation not permitted)</c>.</summary>
public sealed class ErrnoException : IOException
{
    public int Code { get; }
    public string Operation { get; }

    public ErrnoException(string operation, int errno)
        : base($"{operation}: {Errno.Name(errno)} ({Errno.Describe(errno)})")
    {
        Code = errno;
        Operation = operation;
        HResult = errno;
    }

    /// <summary>Throws for the errno of the last P/Invoke declared with SetLastError.</summary>
    public static ErrnoException FromLast(string operation) => new(operation, Marshal.GetLastPInvokeError());

    public static void ThrowIfNegative(long rc, string operation)
    {
        if (rc < 0) throw FromLast(operation);
    }
}
