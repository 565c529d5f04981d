using System.Runtime.InteropServices;
using Quai.Runtime.Seccomp;

namespace Quai.Runtime.Tests.Seccomp;

/// <summary>
/// Loads compiled filters into the real kernel. A seccomp filter installed without TSYNC applies to the
/// calling thread only (and to threads/processes it creates later), so each test runs on a dedicated,
/// throw-away OS thread that only makes P/Invoke calls and then exits; the rest of the test host is unaffected.
/// </summary>
public partial class SeccompKernelTests
{
    private const int PR_SET_NO_NEW_PRIVS = 38, PR_SET_SECCOMP = 22, SECCOMP_MODE_FILTER = 2;
    private const int EPERM = 1, ENOSYS = 38;
    private const uint MagicMode = 0x29c; // 01234: only mkdir calls with this mode are denied

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SockFprog
    {
        public ushort Len;
        public SockFilter* Filter;
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mkdir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint nr, nint a1, nint a2, nint a3);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall6(nint nr, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    private static bool SeccompAvailable()
        => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
           && File.Exists("/proc/self/status") && File.ReadAllText("/proc/self/status").Contains("Seccomp:");

    private static unsafe int Load(SeccompProgram p)
    {
        if (Prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Marshal.GetLastPInvokeError();
        fixed (SockFilter* f = p.Instructions)
        {
            var prog = new SockFprog { Len = (ushort)p.Instructions.Length, Filter = f };
            return Prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (nuint)(&prog), 0, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Runs <paramref name="body"/> on a fresh OS thread after loading <paramref name="p"/> there.</summary>
    private static T OnFilteredThread<T>(SeccompProgram p, Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                int err = Load(p);
                if (err != 0) throw new InvalidOperationException($"loading the filter failed: errno {err}");
                result = body();
            }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw new Xunit.Sdk.XunitException(error.ToString());
        return result;
    }

    private static int MkdirErrno(string path, uint mode)
        => Mkdir(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [Fact]
    public void Kernel_denies_mkdir_with_eperm()
    {
        if (!SeccompAvailable()) return;
        var spec = SeccompCompilerTests.Spec("SCMP_ACT_ALLOW",
            SeccompCompilerTests.Rule("SCMP_ACT_ERRNO", ["mkdir"], null, SeccompCompilerTests.Arg(1, "SCMP_CMP_EQ", MagicMode)),
            SeccompCompilerTests.Rule("SCMP_ACT_ERRNO", ["mkdirat"], null, SeccompCompilerTests.Arg(2, "SCMP_CMP_EQ", MagicMode)));
        var p = SeccompCompiler.Compile(spec);

        var dir = Path.Combine(Path.GetTempPath(), "quai-seccomp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (denied, allowed) = OnFilteredThread(p, () =>
                (MkdirErrno(Path.Combine(dir, "denied"), MagicMode), MkdirErrno(Path.Combine(dir, "allowed"), 0x1ed)));
            Assert.Equal(EPERM, denied);
            Assert.Equal(0, allowed);
            Assert.False(Directory.Exists(Path.Combine(dir, "denied")));
            Assert.True(Directory.Exists(Path.Combine(dir, "allowed")));

            // The filter stayed on its thread.
            Assert.Equal(0, MkdirErrno(Path.Combine(dir, "unfiltered"), MagicMode));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Kernel_accepts_the_default_profile()
    {
        if (!SeccompAvailable()) return;
        var p = SeccompCompiler.Compile(DefaultSeccompProfile.Create(["CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"]));
        var (kexec, mount, newer, getpid) = OnFilteredThread(p, () =>
        {
            static int Errno(nint r) => r == -1 ? Marshal.GetLastPInvokeError() : 0;
            return (Errno(Syscall(246, 0, 0, 0)),                   // kexec_load
                    Errno(Syscall(165, 0, 0, 0)),                   // mount
                    Errno(Syscall(1000, 0, 0, 0)),                  // not a syscall (yet)
                    Errno(Syscall(39, 0, 0, 0)));                   // getpid
        });
        Assert.Equal(EPERM, kexec);
        Assert.Equal(EPERM, mount);
        Assert.Equal(ENOSYS, newer);
        Assert.Equal(0, getpid);
    }

    [Fact]
    public void Kernel_accepts_long_programs_with_trampolines()
    {
        if (!SeccompAvailable()) return;
        // One conditional rule per x86_64 syscall, each only matching a magic 64-bit arg5, so the thread's
        // ordinary syscalls are unaffected. The program needs JA trampolines.
        const ulong Magic = 0x5eccUL << 32;
        var rules = new List<Quai.Oci.Runtime.SeccompSyscall>();
        foreach (var line in File.ReadLines("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"))
        {
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (p.Length != 3 || p[0] != "#define" || !p[1].StartsWith("__NR_") || !uint.TryParse(p[2], out var nr)) continue;
            rules.Add(SeccompCompilerTests.Rule("SCMP_ACT_ERRNO", [p[1][5..]], 1000 + nr,
                SeccompCompilerTests.Arg(5, "SCMP_CMP_EQ", Magic | nr)));
        }
        var spec = SeccompCompilerTests.Spec("SCMP_ACT_ALLOW", [.. rules]);
        var prog = SeccompCompiler.Compile(spec);
        Assert.Contains(prog.Instructions, i => i.Code == SeccompConstants.BPF_JMP_JA);
        Assert.True(prog.Instructions.Length > 1000);

        Assert.Equal(SeccompConstants.SECCOMP_RET_ERRNO | 1102, BpfInterpreter.Run(prog.Instructions, new SeccompData(102, SeccompData.X86_64, 0, 0, 0, 0, 0, Magic | 102)));
        Assert.Equal(SeccompConstants.SECCOMP_RET_ALLOW, BpfInterpreter.Run(prog.Instructions, new SeccompData(102, SeccompData.X86_64, 0, 0, 0, 0, 0, Magic | 110)));
        static int Errno(nint r) => r == -1 ? Marshal.GetLastPInvokeError() : 0;
        var (getppid, getuid, getuidOtherMagic, getppidPlain) = OnFilteredThread(prog, () => (
            Errno(Syscall6(110, 0, 0, 0, 0, 0, unchecked((nint)(Magic | 110)))),   // getppid with its magic → 1110
            Errno(Syscall6(102, 0, 0, 0, 0, 0, unchecked((nint)(Magic | 102)))),   // getuid → 1102
            Errno(Syscall6(102, 0, 0, 0, 0, 0, unchecked((nint)(Magic | 110)))),   // wrong magic → allowed
            Errno(Syscall6(110, 0, 0, 0, 0, 0, 110))));                 // high word differs → allowed
        Assert.Equal(1110, getppid);
        Assert.Equal(1102, getuid);
        Assert.Equal(0, getuidOtherMagic);
        Assert.Equal(0, getppidPlain);
    }
}
