using System.Runtime.InteropServices;

namespace Quai.Runtime.Seccomp;

/// <summary>
/// One classic BPF instruction, layout-compatible with the kernel's <c>struct sock_filter</c>
/// (<c>__u16 code; __u8 jt; __u8 jf; __u32 k;</c>, 8 bytes).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SockFilter(ushort Code, byte Jt, byte Jf, uint K)
{
    public override string ToString() => $"{{ 0x{Code:x2}, {Jt}, {Jf}, 0x{K:x8} }}";
}

/// <summary>
/// A compiled seccomp filter. <paramref name="Flags"/> are the <c>SECCOMP_FILTER_FLAG_*</c> bits to pass to
/// <c>seccomp(SECCOMP_SET_MODE_FILTER, Flags, &amp;prog)</c>; they include <c>NEW_LISTENER</c> when
/// <paramref name="UsesNotify"/> is set (and <c>TSYNC_ESRCH</c> when TSYNC is combined with a listener,
/// as libseccomp does, because the kernel rejects TSYNC|NEW_LISTENER otherwise).
/// </summary>
public sealed record SeccompProgram(SockFilter[] Instructions, uint Flags, bool UsesNotify);

/// <summary>Invalid or unsupported <c>linux.seccomp</c> configuration.</summary>
public sealed class SeccompException : ArgumentException
{
    public SeccompException(string message) : base(message) { }
}

/// <summary>Kernel constants (linux/filter.h, linux/seccomp.h).</summary>
public static class SeccompConstants
{
    // Classic BPF opcodes we emit.
    public const ushort BPF_LD_W_ABS = 0x20;   // BPF_LD | BPF_W | BPF_ABS
    public const ushort BPF_ALU_AND_K = 0x54;  // BPF_ALU | BPF_AND | BPF_K
    public const ushort BPF_JMP_JA = 0x05;     // BPF_JMP | BPF_JA
    public const ushort BPF_JMP_JEQ_K = 0x15;  // BPF_JMP | BPF_JEQ | BPF_K
    public const ushort BPF_JMP_JGT_K = 0x25;  // BPF_JMP | BPF_JGT | BPF_K
    public const ushort BPF_JMP_JGE_K = 0x35;  // BPF_JMP | BPF_JGE | BPF_K
    public const ushort BPF_RET_K = 0x06;      // BPF_RET | BPF_K

    public const int BPF_MAXINSNS = 4096;

    // struct seccomp_data offsets.
    public const uint OffsetNr = 0;
    public const uint OffsetArch = 4;
    public const uint OffsetInstructionPointer = 8;
    public const uint OffsetArgs = 16;

    // Return values.
    public const uint SECCOMP_RET_KILL_PROCESS = 0x80000000;
    public const uint SECCOMP_RET_KILL_THREAD = 0x00000000;
    public const uint SECCOMP_RET_TRAP = 0x00030000;
    public const uint SECCOMP_RET_ERRNO = 0x00050000;
    public const uint SECCOMP_RET_USER_NOTIF = 0x7fc00000;
    public const uint SECCOMP_RET_TRACE = 0x7ff00000;
    public const uint SECCOMP_RET_LOG = 0x7ffc0000;
    public const uint SECCOMP_RET_ALLOW = 0x7fff0000;
    public const uint SECCOMP_RET_DATA = 0x0000ffff;

    // seccomp(2) filter flags.
    public const uint SECCOMP_FILTER_FLAG_TSYNC = 1u << 0;
    public const uint SECCOMP_FILTER_FLAG_LOG = 1u << 1;
    public const uint SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1u << 2;
    public const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 1u << 3;
    public const uint SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1u << 4;

    public const uint X32_SYSCALL_BIT = 0x40000000;

    public const uint EPERM = 1;
    public const uint ENOSYS = 38;
}
