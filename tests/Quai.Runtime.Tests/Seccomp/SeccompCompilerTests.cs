using Quai.Oci.Runtime;
using Quai.Runtime.Seccomp;
using static Quai.Runtime.Seccomp.SeccompConstants;
using OciSeccomp = Quai.Oci.Runtime.Seccomp;

namespace Quai.Runtime.Tests.Seccomp;

public class SeccompCompilerTests
{
    private const uint X86_64 = SeccompData.X86_64, I386 = SeccompData.I386;
    private const uint Allow = SECCOMP_RET_ALLOW;
    private static uint Errno(uint e) => SECCOMP_RET_ERRNO | e;

    // x86_64 numbers
    private const uint NrRead = 0, NrWrite = 1, NrOpen = 2, NrClose = 3, NrMkdir = 83, NrPersonality = 135, NrExecve = 59;

    internal static SeccompProgram Compile(OciSeccomp spec)
    {
        var p = SeccompCompiler.Compile(spec);
        BpfInterpreter.Validate(p.Instructions);
        return p;
    }

    internal static OciSeccomp Spec(string defaultAction, params SeccompSyscall[] rules)
        => new() { DefaultAction = defaultAction, Syscalls = [.. rules] };

    internal static SeccompSyscall Rule(string action, string[] names, uint? errnoRet = null, params SeccompArg[] args)
        => new() { Names = [.. names], Action = action, ErrnoRet = errnoRet, Args = args.Length == 0 ? null : [.. args] };

    internal static SeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0)
        => new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static uint Run(SeccompProgram p, uint nr, uint arch = X86_64, params ulong[] args)
        => BpfInterpreter.Run(p.Instructions, new SeccompData(nr, arch, args));

    [Fact]
    public void Struct_layout_matches_sock_filter()
    {
        Assert.Equal(8, System.Runtime.InteropServices.Marshal.SizeOf<SockFilter>());
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<SockFilter>());
    }

    [Theory]
    [InlineData("SCMP_ACT_ALLOW", null, SECCOMP_RET_ALLOW)]
    [InlineData("SCMP_ACT_ERRNO", null, SECCOMP_RET_ERRNO | 1)]
    [InlineData("SCMP_ACT_ERRNO", 13u, SECCOMP_RET_ERRNO | 13)]
    [InlineData("SCMP_ACT_KILL", null, SECCOMP_RET_KILL_THREAD)]
    [InlineData("SCMP_ACT_KILL_THREAD", null, SECCOMP_RET_KILL_THREAD)]
    [InlineData("SCMP_ACT_KILL_PROCESS", null, SECCOMP_RET_KILL_PROCESS)]
    [InlineData("SCMP_ACT_TRAP", null, SECCOMP_RET_TRAP)]
    [InlineData("SCMP_ACT_TRACE", 42u, SECCOMP_RET_TRACE | 42)]
    [InlineData("SCMP_ACT_TRACE", null, SECCOMP_RET_TRACE | 1)]
    [InlineData("SCMP_ACT_LOG", null, SECCOMP_RET_LOG)]
    public void Default_action_and_errno(string action, uint? errno, uint expected)
    {
        var spec = Spec(action);
        spec.DefaultErrnoRet = errno;
        var p = Compile(spec);
        Assert.Equal(expected, Run(p, NrRead));
        Assert.Equal(expected, Run(p, 300));
        Assert.Equal(0u, p.Flags);
        Assert.False(p.UsesNotify);
    }

    [Fact]
    public void Rule_actions_and_errno_values()
    {
        var p = Compile(Spec("SCMP_ACT_ALLOW",
            Rule("SCMP_ACT_ERRNO", ["mkdir"]),
            Rule("SCMP_ACT_ERRNO", ["open"], errnoRet: 13),
            Rule("SCMP_ACT_KILL_PROCESS", ["close"]),
            Rule("SCMP_ACT_TRACE", ["execve"], errnoRet: 7),
            Rule("SCMP_ACT_LOG", ["write"])));
        Assert.Equal(Errno(1), Run(p, NrMkdir));
        Assert.Equal(Errno(13), Run(p, NrOpen));
        Assert.Equal(SECCOMP_RET_KILL_PROCESS, Run(p, NrClose));
        Assert.Equal(SECCOMP_RET_TRACE | 7, Run(p, NrExecve));
        Assert.Equal(SECCOMP_RET_LOG, Run(p, NrWrite));
        Assert.Equal(Allow, Run(p, NrRead));
        Assert.Equal(Allow, Run(p, 1000)); // permissive default: no ENOSYS stub
    }

    [Fact]
    public void Foreign_arch_gets_kill_thread()
    {
        var p = Compile(Spec("SCMP_ACT_ALLOW"));
        Assert.Equal(Allow, Run(p, NrRead, X86_64));
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, 3, I386));            // i386 not listed
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, 63, SeccompData.AArch64));
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, 0, 0x12345678));
    }

    [Fact]
    public void Native_arch_is_always_included_and_i386_uses_its_own_table()
    {
        var spec = Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["read", "mkdir", "chown32"]));
        spec.Architectures = ["SCMP_ARCH_X86"];
        var p = Compile(spec);
        Assert.Equal(Allow, Run(p, NrRead, X86_64));   // native x86_64 still in the filter
        Assert.Equal(Allow, Run(p, 3, I386));          // i386 read
        Assert.Equal(Allow, Run(p, 39, I386));         // i386 mkdir
        Assert.Equal(Allow, Run(p, 212, I386));        // i386 chown32 (unknown on x86_64: skipped there)
        Assert.Equal(Errno(1), Run(p, 0, I386));       // i386 restart_syscall
        Assert.Equal(Errno(1), Run(p, NrMkdir - 1, X86_64));
    }

    [Fact]
    public void X32_syscalls_are_rejected_unless_x32_is_listed()
    {
        var spec = Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["read", "execve"]));
        var p = Compile(spec);
        Assert.Equal(Allow, Run(p, NrRead));
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, X32_SYSCALL_BIT | 0));     // x32 read
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, X32_SYSCALL_BIT | 520));   // x32 execve
        Assert.Equal(Errno(1), Run(p, uint.MaxValue));                           // nr -1: default

        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"];
        p = Compile(spec);
        Assert.Equal(Allow, Run(p, NrRead));
        Assert.Equal(Allow, Run(p, NrExecve));
        Assert.Equal(Allow, Run(p, X32_SYSCALL_BIT | 0));
        Assert.Equal(Allow, Run(p, X32_SYSCALL_BIT | 520));                      // x32 execve is 512+8
        Assert.Equal(Errno(1), Run(p, X32_SYSCALL_BIT | NrExecve));              // x32 slot 59 is not execve
        Assert.Equal(Errno(1), Run(p, X32_SYSCALL_BIT | 1));                     // x32 write: default

        spec.Architectures = ["SCMP_ARCH_X32"]; // native x86_64 is still added
        Assert.Equal(Allow, Run(Compile(spec), NrRead));
    }

    private static readonly ulong[] Interesting =
    [
        0, 1, 2, 0x7f, 0x80, 0xfffffffe, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0x1_ffff_ffff,
        0x2_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_fffe, 0xffff_ffff_ffff_ffff, 0x1234_5678_9abc_def0,
    ];

    public static TheoryData<string> Ops => new() { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT" };

    private static bool Reference(string op, ulong a, ulong v, ulong v2) => op switch
    {
        "SCMP_CMP_NE" => a != v,
        "SCMP_CMP_LT" => a < v,
        "SCMP_CMP_LE" => a <= v,
        "SCMP_CMP_EQ" => a == v,
        "SCMP_CMP_GE" => a >= v,
        "SCMP_CMP_GT" => a > v,
        "SCMP_CMP_MASKED_EQ" => (a & v) == (v2 & v),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void Comparison_ops_on_64bit_values(string op)
    {
        foreach (var v in Interesting)
        {
            foreach (uint index in new uint[] { 0, 3, 5 })
            {
                var p = Compile(Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(index, op, v))));
                foreach (var a in Interesting.Concat<ulong>([v - 1, v, v + 1, v ^ 0x1_0000_0000, v ^ 1]))
                {
                    var args = new ulong[6];
                    args[index] = a;
                    // Other argument slots must not matter.
                    for (int o = 0; o < 6; o++) if (o != index) args[o] = 0xdead_beef_dead_beef;
                    var expected = Reference(op, a, v, 0) ? Allow : Errno(1);
                    var got = Run(p, NrWrite, X86_64, args);
                    Assert.True(expected == got, $"{op} arg{index}={a:x} value={v:x}: expected {expected:x} got {got:x}");
                }
            }
        }
    }

    [Fact]
    public void Masked_eq_on_64bit_values()
    {
        (ulong Mask, ulong Datum)[] cases =
        [
            (0x7E020000, 0), (0xff, 0x10), (0xffff_0000_0000_0000, 0x1234_0000_0000_0000),
            (0x1_0000_0001, 0x1_0000_0000), (0x1_0000_0000, 0x2_0000_0000 /* datum bits outside the mask are ignored */),
            (0, 0 /* always matches */), (0xffff_ffff_ffff_ffff, 0xdead_beef_0000_0001),
        ];
        foreach (var (mask, datum) in cases)
        {
            var p = Compile(Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(2, "SCMP_CMP_MASKED_EQ", mask, datum))));
            foreach (var a in Interesting.Concat<ulong>([datum, datum | ~mask, datum ^ 0x1_0000_0000, 0x0200_0000, 0x7E02_0000]))
            {
                var expected = (a & mask) == (datum & mask) ? Allow : Errno(1); // libseccomp masks the datum too
                Assert.True(expected == Run(p, NrWrite, X86_64, 0, 0, a), $"mask={mask:x} datum={datum:x} a={a:x}");
            }
        }
    }

    [Fact]
    public void I386_and_x32_compare_only_the_low_32_bits()
    {
        var spec = Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["personality"], null, Arg(0, "SCMP_CMP_EQ", 0xffff_ffff_ffff_ffff)));
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
        var p = Compile(spec);
        Assert.Equal(Allow, Run(p, 136, I386, 0xffffffff));          // i386 personality, as libseccomp
        Assert.Equal(Allow, Run(p, X32_SYSCALL_BIT | 135, X86_64, 0x1_ffff_ffff)); // x32 personality: ditto
        Assert.Equal(Errno(1), Run(p, X32_SYSCALL_BIT | 135, X86_64, 0x1_ffff_fffe));
        Assert.Equal(Errno(1), Run(p, NrPersonality, X86_64, 0xffffffff));
        Assert.Equal(Allow, Run(p, NrPersonality, X86_64, ulong.MaxValue));
    }

    [Fact]
    public void Several_rules_for_one_syscall_are_ored()
    {
        var p = Compile(Spec("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", ["personality"], null, Arg(0, "SCMP_CMP_EQ", 0)),
            Rule("SCMP_ACT_ALLOW", ["personality"], null, Arg(0, "SCMP_CMP_EQ", 8)),
            Rule("SCMP_ACT_ERRNO", ["personality"], 22, Arg(0, "SCMP_CMP_GT", 0x1_0000_0000)),
            Rule("SCMP_ACT_ALLOW", ["personality"], null, Arg(0, "SCMP_CMP_EQ", 0xffffffff))));
        Assert.Equal(Allow, Run(p, NrPersonality, X86_64, 0));
        Assert.Equal(Allow, Run(p, NrPersonality, X86_64, 8));
        Assert.Equal(Allow, Run(p, NrPersonality, X86_64, 0xffffffff));
        Assert.Equal(Errno(22), Run(p, NrPersonality, X86_64, 0x1_0000_0001));
        Assert.Equal(Errno(1), Run(p, NrPersonality, X86_64, 1));
        Assert.Equal(Errno(1), Run(p, NrPersonality, X86_64, 0x1_0000_0000));
    }

    [Fact]
    public void Several_args_in_one_rule_are_anded()
    {
        var p = Compile(Spec("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1), Arg(2, "SCMP_CMP_LE", 100), Arg(5, "SCMP_CMP_NE", 7))));
        Assert.Equal(Allow, Run(p, NrWrite, X86_64, 1, 0, 100, 0, 0, 0));
        Assert.Equal(Errno(1), Run(p, NrWrite, X86_64, 2, 0, 100, 0, 0, 0));
        Assert.Equal(Errno(1), Run(p, NrWrite, X86_64, 1, 0, 101, 0, 0, 0));
        Assert.Equal(Errno(1), Run(p, NrWrite, X86_64, 1, 0, 100, 0, 0, 7));
        Assert.Equal(Errno(1), Run(p, NrRead, X86_64, 1, 0, 100, 0, 0, 0));
    }

    [Fact]
    public void Unconditional_rule_supersedes_conditional_rules_for_the_same_syscall()
    {
        var p = Compile(Spec("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ERRNO", ["write"], 5, Arg(0, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_ALLOW", ["write"]),
            Rule("SCMP_ACT_KILL", ["write"])));
        Assert.Equal(Allow, Run(p, NrWrite, X86_64, 1));
        Assert.Equal(Allow, Run(p, NrWrite, X86_64, 2));
    }

    [Fact]
    public void Conflicting_rules_are_rejected_like_libseccomp()
    {
        // Same conditions (in any order), different action: libseccomp says EEXIST, runc fails.
        var ex = Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(Spec("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_TRAP", ["write"], null, Arg(1, "SCMP_CMP_EQ", 1), Arg(0, "SCMP_CMP_EQ", 1)))));
        Assert.Contains("write", ex.Message);
        // A prefix of an earlier rule's conditions with another action: also EEXIST.
        Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(Spec("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_TRAP", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1)))));

        // Accepted by libseccomp: same action twice, a more specific later rule, a non-prefix overlap,
        // conflicts on names unknown here.
        var p = Compile(Spec("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_ALLOW", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_LOG", ["write"], null, Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_TRAP", ["read"], null, Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_ALLOW", ["read"], null, Arg(1, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_TRAP", ["no_such_syscall"], null, Arg(0, "SCMP_CMP_EQ", 1)),
            Rule("SCMP_ACT_ALLOW", ["no_such_syscall"], null, Arg(0, "SCMP_CMP_EQ", 1))));
        Assert.Equal(Allow, Run(p, NrWrite, X86_64, 1, 1));
        Assert.Equal(Errno(1), Run(p, NrWrite, X86_64, 0, 1));
        Assert.Equal(SECCOMP_RET_TRAP, Run(p, NrRead, X86_64, 1, 1)); // config order (libseccomp: ALLOW)
        Assert.Equal(Allow, Run(p, NrRead, X86_64, 0, 1));
    }

    [Fact]
    public void Rules_with_the_default_action_are_ignored()
    {
        var p = Compile(Spec("SCMP_ACT_ALLOW",
            Rule("SCMP_ACT_ALLOW", ["write"]),
            Rule("SCMP_ACT_ERRNO", ["write"], null, Arg(0, "SCMP_CMP_EQ", 2))));
        Assert.Equal(Errno(1), Run(p, NrWrite, X86_64, 2));
        Assert.Equal(Allow, Run(p, NrWrite, X86_64, 1));
    }

    [Fact]
    public void Unknown_syscall_names_are_skipped()
    {
        var p = Compile(Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["no_such_syscall", "read", "arm_fadvise64_64", "mkdir"])));
        Assert.Equal(Allow, Run(p, NrRead));
        Assert.Equal(Errno(1), Run(p, NrWrite));
    }

    [Fact]
    public void Enosys_for_syscalls_newer_than_the_profile_like_runc()
    {
        var spec = Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", ["read", "mkdir"]), Rule("SCMP_ACT_ERRNO", ["kexec_load"], 1));
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
        var p = Compile(spec);
        // highest named x86_64 syscall is kexec_load (246), even though its rule equals the default.
        Assert.Equal(Errno(1), Run(p, 246));
        Assert.Equal(Errno(1), Run(p, 100));
        Assert.Equal(Errno(ENOSYS), Run(p, 247));
        Assert.Equal(Errno(ENOSYS), Run(p, 0x3fff_ffff));
        Assert.Equal(Errno(ENOSYS), Run(p, 283 + 1, I386));
        Assert.Equal(Errno(1), Run(p, 283, I386));
        Assert.Equal(Errno(ENOSYS), Run(p, X32_SYSCALL_BIT | 529, X86_64)); // beyond x32 kexec_load (528)
        Assert.Equal(Errno(ENOSYS), Run(p, uint.MaxValue, I386));

        spec.DefaultAction = "SCMP_ACT_LOG"; // permissive default: no stub
        Assert.Equal(SECCOMP_RET_LOG, Run(Compile(spec), 400));
    }

    [Fact]
    public void Flags_and_notify()
    {
        var spec = Spec("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", ["mkdir"]));
        spec.Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"];
        var p = Compile(spec);
        Assert.True(p.UsesNotify);
        Assert.Equal(SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER, p.Flags);
        Assert.Equal(SECCOMP_RET_USER_NOTIF, Run(p, NrMkdir));

        spec.Flags = ["SECCOMP_FILTER_FLAG_TSYNC"];
        p = Compile(spec);
        Assert.Equal(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH, p.Flags);

        spec.Syscalls = [Rule("SCMP_ACT_NOTIFY", ["no_such_syscall"])];
        p = Compile(spec);
        Assert.False(p.UsesNotify);
        Assert.Equal(SECCOMP_FILTER_FLAG_TSYNC, p.Flags);
    }

    [Theory]
    [InlineData("SCMP_ACT_BOGUS", null, null, null, null, "SCMP_ACT_BOGUS")]
    [InlineData("SCMP_ACT_ALLOW", "SCMP_ACT_NOPE", null, null, null, "SCMP_ACT_NOPE")]
    [InlineData("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_CMP_ALMOST", null, null, "SCMP_CMP_ALMOST")]
    [InlineData("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", null, "SECCOMP_FILTER_FLAG_BOGUS", null, "SECCOMP_FILTER_FLAG_BOGUS")]
    [InlineData("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", null, null, "SCMP_ARCH_VAX", "SCMP_ARCH_VAX")]
    [InlineData("SCMP_ACT_NOTIFY", "SCMP_ACT_ERRNO", null, null, null, "SCMP_ACT_NOTIFY")]
    public void Errors_name_the_bad_value(string defaultAction, string? action, string? op, string? flag, string? arch, string expected)
    {
        var spec = Spec(defaultAction);
        if (action is not null)
            spec.Syscalls = [Rule(action, ["read"], null, op is null ? [] : [Arg(0, op, 1)])];
        if (flag is not null) spec.Flags = [flag];
        if (arch is not null) spec.Architectures = ["SCMP_ARCH_X86_64", arch];
        var ex = Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(spec));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Other_validation_errors()
    {
        Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(
            Spec("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["read"], null, Arg(6, "SCMP_CMP_EQ", 1)))));
        Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(
            Spec("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", ["read"], 0x10000))));
        // runtime-spec: errnoRet with an action that has no errno is an error.
        var spec = Spec("SCMP_ACT_ALLOW");
        spec.DefaultErrnoRet = 5;
        Assert.Contains("errnoRet", Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(spec)).Message);
        Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(
            Spec("SCMP_ACT_ERRNO", Rule("SCMP_ACT_KILL_PROCESS", ["read"], 5))));
        // As runc: notifying on write would deadlock the runtime handing the listener fd over.
        var ex = Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(
            Spec("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", ["read", "write"]))));
        Assert.Contains("write", ex.Message);
        // quai sends the listener fd with sendmsg: the same deadlock.
        Assert.Contains("sendmsg", Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(
            Spec("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", ["sendmsg"])))).Message);
        // An unknown action errors even when all names are unknown.
        Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(
            Spec("SCMP_ACT_ALLOW", Rule("SCMP_ACT_WHATEVER", ["no_such_syscall"]))));
    }

    [Fact]
    public void Other_architectures_are_accepted_but_fail_closed()
    {
        var spec = Spec("SCMP_ACT_ALLOW");
        spec.Architectures = ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390X", "SCMP_ARCH_PPC64LE"];
        var p = Compile(spec);
        Assert.Equal(Allow, Run(p, NrRead, X86_64));
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, 63, SeccompData.AArch64));
    }

    [Fact]
    public void Long_rule_lists_need_trampolines_and_still_work()
    {
        // Every x86_64 syscall with its own conditional rule: the program is far longer than 255
        // instructions, so dispatch jumps need long-jump trampolines.
        var names = Enumerable.Range(0, 335).Select(SyscallName).Where(n => n is not null).Cast<string>().ToArray();
        var rules = names.Select(n => Rule("SCMP_ACT_ALLOW", [n], null, Arg(1, "SCMP_CMP_EQ", 0x1_0000_0000 + (ulong)n.Length))).ToArray();
        var p = Compile(Spec("SCMP_ACT_ERRNO", rules));
        Assert.True(p.Instructions.Length > 1000, $"only {p.Instructions.Length} instructions");
        Assert.Contains(p.Instructions, i => i.Code == BPF_JMP_JA);
        for (uint nr = 0; nr < 335; nr++)
        {
            var n = SyscallName((int)nr);
            if (n is null) continue;
            Assert.Equal(Allow, Run(p, nr, X86_64, 0, 0x1_0000_0000 + (ulong)n.Length));
            Assert.Equal(Errno(1), Run(p, nr, X86_64, 0, (ulong)n.Length));
        }
    }

    [Fact]
    public void Programs_over_the_kernel_limit_are_rejected()
    {
        var names = Enumerable.Range(0, 335).Select(SyscallName).Where(n => n is not null).Cast<string>().ToArray();
        var args = Enumerable.Range(0, 6).Select(i => Arg((uint)i, "SCMP_CMP_GT", 0x1_0000_0000)).ToArray();
        var rules = names.Select(n => Rule("SCMP_ACT_ALLOW", [n], null, args)).ToArray();
        var ex = Assert.Throws<SeccompException>(() => SeccompCompiler.Compile(Spec("SCMP_ACT_ERRNO", rules)));
        Assert.Contains("4096", ex.Message);
    }

    private static string? SyscallName(int nr) => nr switch
    {
        _ when s_names.TryGetValue((uint)nr, out var n) => n,
        _ => null,
    };

    private static readonly Dictionary<uint, string> s_names = LoadNames();

    private static Dictionary<uint, string> LoadNames()
    {
        // Read the same header the generator uses, to stay independent from the generated table.
        var d = new Dictionary<uint, string>();
        foreach (var line in File.ReadLines("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[0] == "#define" && parts[1].StartsWith("__NR_") && uint.TryParse(parts[2], out var nr))
                d[nr] = parts[1][5..];
        }
        return d;
    }

    [Fact]
    public void Features_lists()
    {
        Assert.Contains("SCMP_ACT_NOTIFY", SeccompFeatures.Actions);
        Assert.Equal(9, SeccompFeatures.Actions.Count);
        Assert.Equal(7, SeccompFeatures.Operators.Count);
        Assert.Contains("SCMP_ARCH_X32", SeccompFeatures.Architectures);
        Assert.Contains("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompFeatures.Flags);
        // Everything listed is accepted by the compiler.
        foreach (var a in SeccompFeatures.Actions)
        {
            if (a == "SCMP_ACT_NOTIFY") continue;
            var spec = Spec(a, Rule(a == "SCMP_ACT_ALLOW" ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW", ["read"]));
            spec.Architectures = [.. SeccompFeatures.Architectures];
            spec.Flags = [.. SeccompFeatures.Flags];
            foreach (var op in SeccompFeatures.Operators)
                spec.Syscalls!.Add(Rule("SCMP_ACT_TRAP", ["write"], null, Arg(1, op, 3, 1)));
            Compile(spec);
        }
    }
}
