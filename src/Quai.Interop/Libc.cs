using System.Runtime.InteropServices;

namespace Quai.Interop;

/// <summary>libc calls used by the runtime. Every one sets errno; callers turn failures into
/// <see cref="ErrnoException"/> naming the operation and the object.</summary>
public static unsafe partial class Libc
{
    private const string C = "libc";

    // mounts
    [LibraryImport(C, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fstype, ulong flags, string? data);
    [LibraryImport(C, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);
    [LibraryImport(C, EntryPoint = "chroot", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chroot(string path);
    [LibraryImport(C, EntryPoint = "chdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chdir(string path);
    [LibraryImport(C, EntryPoint = "fchdir", SetLastError = true)]
    public static partial int Fchdir(int fd);

    // files
    [LibraryImport(C, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);
    [LibraryImport(C, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirfd, string path, int flags, int mode);
    [LibraryImport(C, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
    [LibraryImport(C, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);
    [LibraryImport(C, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);
    [LibraryImport(C, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirfd, string path, uint mode);
    [LibraryImport(C, EntryPoint = "mknodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MknodAt(int dirfd, string path, uint mode, ulong dev);
    [LibraryImport(C, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkfifo(string path, uint mode);
    [LibraryImport(C, EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, int dirfd, string linkpath);
    [LibraryImport(C, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirfd, string path, int flags);
    [LibraryImport(C, EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int olddirfd, string oldpath, int newdirfd, string newpath);
    [LibraryImport(C, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);
    [LibraryImport(C, EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FchownAt(int dirfd, string path, uint uid, uint gid, int flags);
    [LibraryImport(C, EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, uint uid, uint gid);
    [LibraryImport(C, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);
    [LibraryImport(C, EntryPoint = "fstat", SetLastError = true)]
    public static partial int Fstat(int fd, out Stat buf);
    [LibraryImport(C, EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FstatAt(int dirfd, string path, out Stat buf, int flags);
    [LibraryImport(C, EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int Fstatfs(int fd, out StatFs buf);
    [LibraryImport(C, EntryPoint = "umask")]
    public static partial uint Umask(uint mask);
    [LibraryImport(C, EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldfd, int newfd);
    [LibraryImport(C, EntryPoint = "dup3", SetLastError = true)]
    public static partial int Dup3(int oldfd, int newfd, int flags);
    [LibraryImport(C, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);
    [LibraryImport(C, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, void* arg);
    [LibraryImport(C, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, ulong nfds, int timeout);
    [LibraryImport(C, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);
    [LibraryImport(C, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    // processes
    [LibraryImport(C, EntryPoint = "getpid")]
    public static partial int GetPid();
    [LibraryImport(C, EntryPoint = "geteuid")]
    public static partial uint GetEuid();
    [LibraryImport(C, EntryPoint = "getegid")]
    public static partial uint GetEgid();
    [LibraryImport(C, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);
    [LibraryImport(C, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);
    [LibraryImport(C, EntryPoint = "_exit")]
    public static partial void Exit(int status);
    [LibraryImport(C, EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();
    [LibraryImport(C, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    [LibraryImport(C, EntryPoint = "sethostname", SetLastError = true)]
    public static partial int SetHostname(byte* name, nint len);
    [LibraryImport(C, EntryPoint = "setdomainname", SetLastError = true)]
    public static partial int SetDomainname(byte* name, nint len);
    [LibraryImport(C, EntryPoint = "prlimit", SetLastError = true)]
    public static partial int Prlimit(int pid, int resource, RLimit* newLimit, RLimit* oldLimit);
    [LibraryImport(C, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, uint mode);
    [LibraryImport(C, EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rmdir(string path);
    [LibraryImport(C, EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chmod(string path, uint mode);
    /// <summary>errno of the last call made through these declarations.</summary>
    public static int LastErrno => Marshal.GetLastPInvokeError();
    [LibraryImport(C, EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(uint flags);
    [LibraryImport(C, EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nstype);
    [LibraryImport(C, EntryPoint = "personality", SetLastError = true)]
    public static partial int Personality(ulong persona);
    [LibraryImport(C, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5);

    // sockets
    [LibraryImport(C, EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* sv);
    [LibraryImport(C, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);
    [LibraryImport(C, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* addr, int len);
    [LibraryImport(C, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport(C, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MsgHdr* msg, int flags);

    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev, Ino, Nlink;
        public uint Mode, Uid, Gid;
        private int _pad0;
        public ulong Rdev;
        public long Size, BlkSize, Blocks;
        public long AtimeSec, AtimeNsec, MtimeSec, MtimeNsec, CtimeSec, CtimeNsec;
        private long _r0, _r1, _r2;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatFs
    {
        public long Type, Bsize, Blocks, Bfree, Bavail, Files, Ffree;
        public long Fsid, Namelen, Frsize, Flags;
        private long _s0, _s1, _s2, _s3;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events, Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Cur, Max;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }
}
