using System.Runtime.InteropServices;
using Quai.Oci.Runtime;
using Quai.Runtime.Seccomp;
using Xunit.Abstractions;
using OciSeccomp = Quai.Oci.Runtime.Seccomp;

namespace Quai.Runtime.Tests.Seccomp;

/// <summary>
/// Differential test: when the host has libseccomp.so.2 (Debian's libseccomp2, which runc links), the same
/// spec is built the way runc drives libseccomp, exported with seccomp_export_bpf, and both programs are run
/// on a grid of seccomp_data inputs. The only accepted difference is runc's ENOSYS stub (applied by runc on
/// top of libseccomp's output, and by our compiler directly). Skipped (passes trivially) without the library.
/// libseccomp is only used as a test oracle here; the runtime never loads it.
/// </summary>
public partial class LibseccompOracleTests(ITestOutputHelper output)
{
    private const string Lib = "libseccomp.so.2";

    [StructLayout(LayoutKind.Sequential)]
    private struct ScmpArgCmp
    {
        public uint Arg;
        public int Op;
        public ulong DatumA, DatumB;
    }

    [LibraryImport(Lib)] private static partial nint seccomp_init(uint defAction);
    [LibraryImport(Lib)] private static partial void seccomp_release(nint ctx);
    [LibraryImport(Lib)] private static partial int seccomp_arch_add(nint ctx, uint arch);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial int seccomp_syscall_resolve_name(string name);
    [LibraryImport(Lib)] private static unsafe partial int seccomp_rule_add_array(nint ctx, uint action, int syscall, uint argCnt, ScmpArgCmp* args);
    [LibraryImport(Lib)] private static partial int seccomp_export_bpf(nint ctx, int fd);

    private static readonly Lazy<bool> s_available = new(() =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && NativeLibrary.TryLoad(Lib, out _));

    private static uint Action(string a, uint? errno) => a switch
    {
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => 0, "SCMP_ACT_KILL_PROCESS" => 0x80000000, "SCMP_ACT_TRAP" => 0x30000,
        "SCMP_ACT_ERRNO" => 0x50000 | (errno ?? 1), "SCMP_ACT_TRACE" => 0x7ff00000 | (errno ?? 1), "SCMP_ACT_ALLOW" => 0x7fff0000,
        "SCMP_ACT_LOG" => 0x7ffc0000, _ => throw new ArgumentException(a),
    };

    private static int Op(string op) => Array.IndexOf(
        new[] { "", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" }, op);

    private static uint ArchToken(string a) => a switch
    {
        "SCMP_ARCH_X86_64" => 0xc000003e, "SCMP_ARCH_X86" => 0x40000003, "SCMP_ARCH_X32" => 0x4000003e,
        _ => throw new ArgumentException(a),
    };

    /// <summary>What runc's InitSeccomp does with libseccomp (minus patchbpf's ENOSYS stub).</summary>
    private static unsafe SockFilter[] BuildWithLibseccomp(OciSeccomp spec)
    {
        uint def = Action(spec.DefaultAction, spec.DefaultErrnoRet);
        nint ctx = seccomp_init(def);
        Assert.NotEqual(0, ctx);
        try
        {
            foreach (var a in spec.Architectures ?? [])
            {
                int rc = seccomp_arch_add(ctx, ArchToken(a));
                Assert.True(rc == 0 || rc == -17, $"seccomp_arch_add({a}) = {rc}");
            }
            foreach (var r in spec.Syscalls ?? [])
            {
                uint act = Action(r.Action, r.ErrnoRet);
                if (act == def) continue;
                var args = (r.Args ?? []).Select(x => new ScmpArgCmp { Arg = x.Index, Op = Op(x.Op), DatumA = x.Value, DatumB = x.ValueTwo }).ToArray();
                foreach (var name in r.Names)
                {
                    int nr = seccomp_syscall_resolve_name(name);
                    if (nr == -1) continue;
                    fixed (ScmpArgCmp* p = args)
                    {
                        int rc = seccomp_rule_add_array(ctx, act, nr, (uint)args.Length, p);
                        Assert.True(rc == 0, $"seccomp_rule_add_array({name}) = {rc}");
                    }
                }
            }
            var path = Path.GetTempFileName();
            try
            {
                using (var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    Assert.Equal(0, seccomp_export_bpf(ctx, (int)fs.SafeFileHandle.DangerousGetHandle()));
                }
                var bytes = File.ReadAllBytes(path);
                return MemoryMarshal.Cast<byte, SockFilter>(bytes).ToArray();
            }
            finally { File.Delete(path); }
        }
        finally { seccomp_release(ctx); }
    }

    /// <summary>Interpreter for the opcodes libseccomp may emit.</summary>
    private static uint RunAny(SockFilter[] p, byte[] d)
    {
        uint a = 0, x = 0;
        for (int pc = 0; pc < p.Length; pc++)
        {
            var i = p[pc];
            switch (i.Code)
            {
                case 0x20: a = BitConverter.ToUInt32(d, (int)i.K); break;
                case 0x00: a = i.K; break;
                case 0x54: a &= i.K; break;
                case 0x44: a |= i.K; break;
                case 0x07: x = a; break;
                case 0x87: a = x; break;
                case 0x05: pc += (int)i.K; break;
                case 0x15: pc += a == i.K ? i.Jt : i.Jf; break;
                case 0x25: pc += a > i.K ? i.Jt : i.Jf; break;
                case 0x35: pc += a >= i.K ? i.Jt : i.Jf; break;
                case 0x45: pc += (a & i.K) != 0 ? i.Jt : i.Jf; break;
                case 0x06: return i.K;
                case 0x16: return a;
                default: throw new InvalidOperationException($"opcode 0x{i.Code:x2}");
            }
        }
        throw new InvalidOperationException("fell off the program");
    }

    private static readonly ulong[] ArgValues =
    [
        0, 1, 2, 7, 0x11, 0x28, 0x20000, 0x20008, 0x7E020000, 0x3d0f00, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001,
        0x1_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff, 0x1234_5678_9abc_def0, 0x1234_5678_00ff_00f0,
    ];

    private void Compare(string name, OciSeccomp spec, IEnumerable<uint> nrs)
    {
        var ours = SeccompCompiler.Compile(spec).Instructions;
        var lib = BuildWithLibseccomp(spec);
        uint def = Action(spec.DefaultAction, spec.DefaultErrnoRet);
        long cases = 0, stub = 0;
        var nrList = nrs.ToList();
        foreach (var arch in new uint[] { SeccompData.X86_64, SeccompData.I386, SeccompData.AArch64 })
            foreach (var nr in nrList)
                foreach (var a0 in ArgValues)
                    foreach (var a1 in ArgValues)
                    {
                        var d = new SeccompData(nr, arch, a0, a1, a1 ^ a0).ToBytes();
                        uint rl = RunAny(lib, d), ro = BpfInterpreter.Run(ours, d);
                        cases++;
                        if (rl == ro) continue;
                        if (ro == (SeccompConstants.SECCOMP_RET_ERRNO | SeccompConstants.ENOSYS) && rl == def) { stub++; continue; }
                        Assert.Fail($"{name}: arch {arch:x8} nr {nr:x8} args {a0:x} {a1:x}: libseccomp {rl:x8}, ours {ro:x8}");
                    }
        output.WriteLine($"{name}: libseccomp {lib.Length} insns, ours {ours.Length} ({ours.Count(i => i.Code == 0x05)} ja, {ours.Count(i => i.Code == 0x06)} ret); {cases} cases, {stub} differ only by the ENOSYS stub");
    }

    private static IEnumerable<uint> AllNrs()
    {
        for (uint n = 0; n < 560; n++) yield return n;
        for (uint n = 0; n < 560; n++) yield return SeccompConstants.X32_SYSCALL_BIT | n;
        yield return 0x3fffffff; yield return 0x7fffffff; yield return 0xfffffffe; yield return uint.MaxValue;
    }

    [Fact]
    public void Default_profile_matches_libseccomp()
    {
        if (!s_available.Value) { output.WriteLine("libseccomp.so.2 not available: skipped"); return; }
        string[][] capSets = [[], ["CAP_CHOWN", "CAP_SYS_CHROOT"], ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_NICE", "CAP_BPF", "CAP_SYS_TIME"]];
        foreach (var caps in capSets)
        {
            // Arguments only matter for a few syscalls: a reduced grid keeps this fast.
            var spec = DefaultSeccompProfile.Create(caps);
            Compare($"default[{string.Join(",", caps)}]", spec, AllNrs().Where((n, i) => i % 7 == 0)
                .Concat<uint>([41, 56, 135, 120, 136, 359, 435, 0x40000000 | 41, 0x40000000 | 56, 0x40000000 | 135]));
        }
    }

    [Fact]
    public void Operators_match_libseccomp()
    {
        if (!s_available.Value) { output.WriteLine("libseccomp.so.2 not available: skipped"); return; }
        string[] ops = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"];
        ulong[] values = [0, 1, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0xffff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0x1234_5678_9abc_def0];
        uint[] nrs = [0, 1, 2, 83, 135, 4, 39, 136, 212, 0x40000001, 0x40000053, 0x40000087, uint.MaxValue];
        foreach (var op in ops)
            foreach (var v in values)
            {
                var spec = SeccompCompilerTests.Spec("SCMP_ACT_ALLOW",
                    SeccompCompilerTests.Rule("SCMP_ACT_ERRNO", ["write"], 5, SeccompCompilerTests.Arg(1, op, v, v >> 3)),
                    SeccompCompilerTests.Rule("SCMP_ACT_TRAP", ["personality", "chown32"], null, SeccompCompilerTests.Arg(0, op, v, v & 0xff00ff)),
                    SeccompCompilerTests.Rule("SCMP_ACT_KILL_PROCESS", ["mkdir"], null,
                        SeccompCompilerTests.Arg(0, "SCMP_CMP_EQ", 7), SeccompCompilerTests.Arg(1, op, v, v)),
                    // Same action, other argument: ORed. (Overlapping conditional rules with *different* actions
                    // are resolved by libseccomp's internal tree order; we use config order - not compared.)
                    SeccompCompilerTests.Rule("SCMP_ACT_KILL_PROCESS", ["mkdir"], null, SeccompCompilerTests.Arg(2, op, ~v, v)));
                spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
                Compare($"{op} {v:x}", spec, nrs);
            }
    }

    [Fact]
    public void Architecture_sets_match_libseccomp()
    {
        if (!s_available.Value) { output.WriteLine("libseccomp.so.2 not available: skipped"); return; }
        List<string>[] sets = [[], ["SCMP_ARCH_X86"], ["SCMP_ARCH_X32"], ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]];
        foreach (var def in new[] { "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_ALLOW" })
            foreach (var set in sets)
            {
                var spec = SeccompCompilerTests.Spec(def,
                    SeccompCompilerTests.Rule("SCMP_ACT_ALLOW", ["read", "write", "execve", "chown32", "socketcall"]),
                    SeccompCompilerTests.Rule("SCMP_ACT_TRAP", ["mkdir", "kexec_load"]));
                spec.Architectures = set;
                Compare($"{def} [{string.Join(",", set)}]", spec, AllNrs().Where((n, i) => i % 3 == 0));
            }
    }

    [Fact]
    public void Long_conditional_rule_lists_match_libseccomp()
    {
        if (!s_available.Value) { output.WriteLine("libseccomp.so.2 not available: skipped"); return; }
        // Every x86_64 syscall name gets its own conditional rules, forcing long jumps in our program.
        var names = File.ReadLines("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3 && p[0] == "#define" && p[1].StartsWith("__NR_"))
            .Select(p => p[1][5..]).ToArray();
        var rules = new List<SeccompSyscall>();
        for (int i = 0; i < names.Length; i++)
        {
            rules.Add(SeccompCompilerTests.Rule(i % 3 == 0 ? "SCMP_ACT_ALLOW" : "SCMP_ACT_TRACE", [names[i]], i % 3 == 0 ? null : (uint)i,
                SeccompCompilerTests.Arg((uint)(i % 6), "SCMP_CMP_EQ", (ulong)i << (i % 40))));
            i++; // every other syscall only, to stay under BPF_MAXINSNS
            if (i % 5 == 0)
                rules.Add(SeccompCompilerTests.Rule("SCMP_ACT_ERRNO", [names[i]], (uint)i,
                    SeccompCompilerTests.Arg(1, "SCMP_CMP_GT", 0x1_0000_0000)));
        }
        var spec = new Quai.Oci.Runtime.Seccomp { DefaultAction = "SCMP_ACT_KILL_PROCESS", Syscalls = rules,
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"] };
        Compare("long", spec, AllNrs().Where((n, i) => i % 2 == 0));
    }
}
