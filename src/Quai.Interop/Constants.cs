namespace Quai.Interop;

/// <summary>Linux x86_64 constants (from the kernel's uapi headers).</summary>
public static class O
{
    public const int RDONLY = 0, WRONLY = 1, RDWR = 2, CREAT = 0x40, EXCL = 0x80, NOCTTY = 0x100,
        TRUNC = 0x200, APPEND = 0x400, NONBLOCK = 0x800, DIRECTORY = 0x10000, NOFOLLOW = 0x20000,
        CLOEXEC = 0x80000, PATH = 0x200000;
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200,
        AT_EMPTY_PATH = 0x1000, AT_RECURSIVE = 0x8000;
}

public static class MS
{
    public const ulong RDONLY = 1, NOSUID = 2, NODEV = 4, NOEXEC = 8, SYNCHRONOUS = 16, REMOUNT = 32,
        MANDLOCK = 64, DIRSYNC = 128, NOSYMFOLLOW = 256, NOATIME = 1024, NODIRATIME = 2048, BIND = 4096,
        MOVE = 8192, REC = 16384, SILENT = 32768, UNBINDABLE = 1 << 17, PRIVATE = 1 << 18, SLAVE = 1 << 19,
        SHARED = 1 << 20, RELATIME = 1 << 21, STRICTATIME = 1 << 24, LAZYTIME = 1 << 25;
    public const int MNT_DETACH = 2;
}

public static class Sig
{
    public const int HUP = 1, INT = 2, QUIT = 3, ILL = 4, TRAP = 5, ABRT = 6, BUS = 7, FPE = 8, KILL = 9,
        USR1 = 10, SEGV = 11, USR2 = 12, PIPE = 13, ALRM = 14, TERM = 15, STKFLT = 16, CHLD = 17,
        CONT = 18, STOP = 19, TSTP = 20, TTIN = 21, TTOU = 22, URG = 23, XCPU = 24, XFSZ = 25,
        VTALRM = 26, PROF = 27, WINCH = 28, IO = 29, PWR = 30, SYS = 31, RTMIN = 34, RTMAX = 64;

    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
        "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>Parses "9", "KILL", "SIGKILL", "sigterm", "RTMIN+3" as kill(1) and runc do.</summary>
    public static bool TryParse(string text, out int signal)
    {
        signal = 0;
        var s = text.Trim();
        if (int.TryParse(s, out var n)) { signal = n; return n > 0 && n <= RTMAX; }
        s = s.ToUpperInvariant();
        if (s.StartsWith("SIG", StringComparison.Ordinal)) s = s[3..];
        if (s == "IOT") s = "ABRT";
        if (s == "CLD") s = "CHLD";
        if (s == "POLL") s = "IO";
        for (var i = 1; i < Names.Length; i++)
            if (Names[i] == s) { signal = i; return true; }
        if (s.StartsWith("RTMIN", StringComparison.Ordinal))
        {
            var rest = s[5..];
            if (rest.Length == 0) { signal = RTMIN; return true; }
            if (rest[0] == '+' && int.TryParse(rest[1..], out var k) && RTMIN + k <= RTMAX) { signal = RTMIN + k; return true; }
        }
        if (s.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            var rest = s[5..];
            if (rest.Length == 0) { signal = RTMAX; return true; }
            if (rest[0] == '-' && int.TryParse(rest[1..], out var k) && RTMAX - k >= RTMIN) { signal = RTMAX - k; return true; }
        }
        return false;
    }

    public static string Name(int signal) =>
        signal > 0 && signal < Names.Length ? "SIG" + Names[signal] : signal >= RTMIN && signal <= RTMAX ? $"SIGRTMIN+{signal - RTMIN}" : signal.ToString();
}

public static class Sys
{
    public const long Clone = 56, Setns = 308, PivotRoot = 155, SchedSetattr = 314, IoprioSet = 251,
        Openat2 = 437, MountSetattr = 442, PidfdOpen = 434, PidfdSendSignal = 424, CloseRange = 436,
        Seccomp = 317;
}

public static class Clone
{
    public const uint FS = 0x200, NEWTIME = 0x80, NEWNS = 0x20000, NEWCGROUP = 0x02000000, NEWUTS = 0x04000000,
        NEWIPC = 0x08000000, NEWUSER = 0x10000000, NEWPID = 0x20000000, NEWNET = 0x40000000;
}
