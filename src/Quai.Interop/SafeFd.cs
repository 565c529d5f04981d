namespace Quai.Interop;

/// <summary>An owned file descriptor, closed on dispose.</summary>
public sealed class SafeFd : IDisposable
{
    public int Fd { get; private set; }
    public SafeFd(int fd) => Fd = fd;
    public void Dispose()
    {
        if (Fd >= 0) { NativeFs.close(Fd); Fd = -1; }
    }
}
