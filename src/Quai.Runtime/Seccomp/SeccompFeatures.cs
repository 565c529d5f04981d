namespace Quai.Runtime.Seccomp;

/// <summary>What the seccomp compiler supports, for <c>quai-runtime features</c> (runtime-spec features.md).</summary>
public static class SeccompFeatures
{
    public static IReadOnlyList<string> Actions { get; } =
    [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
    ];

    public static IReadOnlyList<string> Operators { get; } =
    [
        "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
    ];

    /// <summary>
    /// Architectures with a syscall table (x86 family). Other libseccomp names are accepted by the compiler, but
    /// get no dispatch block, so their syscalls hit the bad-arch action (see <see cref="SeccompCompiler"/>).
    /// </summary>
    public static IReadOnlyList<string> Architectures { get; } =
    [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
    ];

    public static IReadOnlyList<string> Flags { get; } =
    [
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    ];
}
