namespace Quai.Runtime.IntegrationTests.Infrastructure;

/// <summary>Owner and mode of a path (lstat) for assertions.</summary>
public readonly struct StatLite
{
    public uint Uid { get; }
    public uint Gid { get; }
    public uint Mode { get; }
    public ulong Rdev { get; }

    public StatLite(string path)
    {
        if (Quai.Interop.Libc.FstatAt(Quai.Interop.O.AT_FDCWD, path, out var st, 0x100 /* AT_SYMLINK_NOFOLLOW */) < 0)
            throw new IOException($"stat {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        Uid = st.Uid;
        Gid = st.Gid;
        Mode = st.Mode;
        Rdev = st.Rdev;
    }
}
