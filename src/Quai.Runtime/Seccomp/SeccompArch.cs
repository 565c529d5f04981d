using System.Runtime.InteropServices;

namespace Quai.Runtime.Seccomp;

/// <summary>libseccomp architecture names and their <c>AUDIT_ARCH_*</c> values (linux/audit.h).</summary>
internal static class SeccompArch
{
    private const uint Arch64 = 0x80000000, LE = 0x40000000, MipsN32 = 0x20000000;

    public const uint AUDIT_ARCH_X86_64 = 62 | Arch64 | LE;   // 0xc000003e
    public const uint AUDIT_ARCH_I386 = 3 | LE;               // 0x40000003
    public const uint AUDIT_ARCH_AARCH64 = 183 | Arch64 | LE; // 0xc00000b7

    /// <summary>Name → (audit arch, syscall table or null when we have none for it).</summary>
    public static readonly (string Name, uint Audit)[] All =
    [
        ("SCMP_ARCH_X86", AUDIT_ARCH_I386),
        ("SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64),
        ("SCMP_ARCH_X32", AUDIT_ARCH_X86_64),
        ("SCMP_ARCH_ARM", 40 | LE),
        ("SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64),
        ("SCMP_ARCH_MIPS", 8),
        ("SCMP_ARCH_MIPS64", 8 | Arch64),
        ("SCMP_ARCH_MIPS64N32", 8 | Arch64 | MipsN32),
        ("SCMP_ARCH_MIPSEL", 8 | LE),
        ("SCMP_ARCH_MIPSEL64", 8 | Arch64 | LE),
        ("SCMP_ARCH_MIPSEL64N32", 8 | Arch64 | LE | MipsN32),
        ("SCMP_ARCH_PPC", 20),
        ("SCMP_ARCH_PPC64", 21 | Arch64),
        ("SCMP_ARCH_PPC64LE", 21 | Arch64 | LE),
        ("SCMP_ARCH_S390", 22),
        ("SCMP_ARCH_S390X", 22 | Arch64),
        ("SCMP_ARCH_PARISC", 15),
        ("SCMP_ARCH_PARISC64", 15 | Arch64),
        ("SCMP_ARCH_RISCV64", 243 | Arch64 | LE),
        ("SCMP_ARCH_LOONGARCH64", 258 | Arch64 | LE),
        ("SCMP_ARCH_M68K", 4),
    ];

    public static bool TryGetAudit(string name, out uint audit)
    {
        foreach (var (n, a) in All)
        {
            if (n == name) { audit = a; return true; }
        }
        audit = 0;
        return false;
    }

    /// <summary>The architecture libseccomp's <c>seccomp_init</c> always adds (SCMP_ARCH_NATIVE).</summary>
    public static string Native => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "SCMP_ARCH_X86_64",
        Architecture.X86 => "SCMP_ARCH_X86",
        Architecture.Arm64 => "SCMP_ARCH_AARCH64",
        Architecture.Arm or Architecture.Armv6 => "SCMP_ARCH_ARM",
        Architecture.RiscV64 => "SCMP_ARCH_RISCV64",
        Architecture.LoongArch64 => "SCMP_ARCH_LOONGARCH64",
        Architecture.S390x => "SCMP_ARCH_S390X",
        Architecture.Ppc64le => "SCMP_ARCH_PPC64LE",
        _ => "SCMP_ARCH_X86_64",
    };

    private static Dictionary<string, uint>? s_x86_64, s_x86, s_x32;

    /// <summary>Syscall name → number for the architectures we have generated tables for, else null.</summary>
    public static Dictionary<string, uint>? Table(string name) => name switch
    {
        "SCMP_ARCH_X86_64" => s_x86_64 ??= Build(SyscallTable.X86_64),
        "SCMP_ARCH_X86" => s_x86 ??= Build(SyscallTable.X86),
        "SCMP_ARCH_X32" => s_x32 ??= Build(SyscallTable.X32),
        _ => null,
    };

    private static Dictionary<string, uint> Build((string Name, uint Nr)[] table)
    {
        var d = new Dictionary<string, uint>(table.Length, StringComparer.Ordinal);
        foreach (var (n, nr) in table) d.TryAdd(n, nr);
        return d;
    }

    /// <summary>Looks a syscall number up in a named table; null when unknown on that arch.</summary>
    public static uint? Resolve(string arch, string syscall)
        => Table(arch) is { } t && t.TryGetValue(syscall, out var nr) ? nr : null;
}
