using System.Runtime.InteropServices;

namespace Quai.Interop;

/// <summary>The project's own C unit (native/): namespace setup before the .NET runtime starts,
/// fork+exec without managed code in the child, and the final privilege drop + exec.</summary>
public static unsafe partial class Native
{
    public const string Library = "libquainative";

    public const int SpawnSetsid = 1;

    [LibraryImport(Library, EntryPoint = "quai_native_version")]
    public static partial int Version();

    /// <summary>Returns the child's pid, or -errno (including the exec errno of the child).</summary>
    [LibraryImport(Library, EntryPoint = "quai_spawn")]
    public static partial int Spawn(byte* path, int exeFd, byte** argv, byte** envp, int* fdMap, int nfd, int flags);

    [LibraryImport(Library, EntryPoint = "quai_readonly_self")]
    public static partial int ReadonlySelf();

    [LibraryImport(Library, EntryPoint = "quai_sealed_self")]
    public static partial int SealedSelf();

    /// <summary>Handlers that _exit(128+sig) on TERM, INT, HUP and QUIT (a created container's init).</summary>
    [LibraryImport(Library, EntryPoint = "quai_exit_on_stop_signals")]
    public static partial int ExitOnStopSignals();

    [LibraryImport(Library, EntryPoint = "quai_exec_final")]
    public static partial int ExecFinal(ExecParams* p);

    [StructLayout(LayoutKind.Sequential)]
    public struct ExecParams
    {
        public byte* Path;
        public byte** Argv;
        public byte** Envp;
        public int SetUser;
        public uint Uid, Gid;
        public int NGroups;
        public uint* Groups;
        public int SetCaps;
        public ulong Bounding, Effective, Permitted, Inheritable, Ambient;
        public int NoNewPrivs;
        public void* Filter;
        public uint FilterLen;
        public uint SeccompFlags;
        public int FirstCloexecFd;
        public int ListenerSock;
        public byte* ListenerMsg;
        public uint ListenerMsgLen;
        public int LastCap;
        public int* FailedStep;
    }

    public static readonly string[] ExecSteps =
        ["", "close_range CLOEXEC", "seccomp", "drop bounding capabilities", "prctl KEEPCAPS", "setgroups",
         "setresgid", "setresuid", "capset", "raise ambient capabilities", "prctl NO_NEW_PRIVS",
         "send seccomp listener", "exec"];

    [StructLayout(LayoutKind.Sequential)]
    public struct Bootstrap
    {
        public uint Magic, CloneFlags, Flags, NNs, PayloadLen;
        public int OomScoreAdj;
    }

    public const uint BootstrapMagic = 0x51554149;
    public const uint BootFork = 1, BootSetuid0 = 2, BootJoinedUserns = 4, BootOomScore = 8;
    public const uint SyncUsermapReq = 1, SyncUsermapAck = 2, SyncChildPid = 3, SyncError = 4;
}
