using Quai.Runtime.Seccomp;
using static Quai.Runtime.Seccomp.SeccompConstants;

namespace Quai.Runtime.Tests.Seccomp;

public class DefaultSeccompProfileTests
{
    private const uint X86_64 = SeccompData.X86_64, I386 = SeccompData.I386;
    private const uint Allow = SECCOMP_RET_ALLOW, Eperm = SECCOMP_RET_ERRNO | 1, Enosys = SECCOMP_RET_ERRNO | 38;

    // CLONE_NEWNS etc.
    private const ulong CloneNewNs = 0x00020000, CloneNewUser = 0x10000000, CloneNewNet = 0x40000000;
    private const ulong ThreadFlags = 0x003d0f00; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

    private static readonly string[] DockerDefaultCaps =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static SeccompProgram Compile(params string[] caps)
    {
        var p = SeccompCompiler.Compile(DefaultSeccompProfile.Create(caps));
        BpfInterpreter.Validate(p.Instructions);
        return p;
    }

    private static uint Run(SeccompProgram p, uint nr, uint arch = X86_64, params ulong[] args)
        => BpfInterpreter.Run(p.Instructions, new SeccompData(nr, arch, args));

    [Fact]
    public void Profile_shape()
    {
        var s = DefaultSeccompProfile.Create(DockerDefaultCaps);
        Assert.Equal("SCMP_ACT_ERRNO", s.DefaultAction);
        Assert.Equal(1u, s.DefaultErrnoRet);
        Assert.Equal(new[] { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" }, s.Architectures);
        Assert.Contains(s.Syscalls!, r => r.Names.Contains("clone3") && r.ErrnoRet == 38);
        Assert.DoesNotContain(s.Syscalls!, r => r.Names.Contains("mount"));
        Assert.DoesNotContain(s.Syscalls!, r => r.Names.Contains("riscv_flush_icache"));
        Assert.Contains(s.Syscalls!, r => r.Names.Contains("arch_prctl"));
    }

    [Fact]
    public void Io_uring_is_refused_as_in_docker_25()
    {
        var p = Compile(DockerDefaultCaps);
        foreach (var nr in new uint[] { 425, 426, 427 }) // io_uring_setup, io_uring_enter, io_uring_register
            Assert.Equal(Eperm, Run(p, nr));
        Assert.Equal(Eperm, Run(p, 0x40000000 | 425, X86_64)); // x32 too
    }

    [Fact]
    public void Default_docker_caps_allow_common_syscalls()
    {
        var p = Compile(DockerDefaultCaps);
        Assert.True(p.Instructions.Length < BPF_MAXINSNS, $"{p.Instructions.Length} instructions");
        Assert.Equal(0u, p.Flags);
        Assert.Equal(Allow, Run(p, 0));     // read
        Assert.Equal(Allow, Run(p, 1));     // write
        Assert.Equal(Allow, Run(p, 59));    // execve
        Assert.Equal(Allow, Run(p, 231));   // exit_group
        Assert.Equal(Allow, Run(p, 158));   // arch_prctl
        Assert.Equal(Allow, Run(p, 161));   // chroot (CAP_SYS_CHROOT)
        Assert.Equal(Allow, Run(p, 101));   // ptrace (minKernel 4.8)
        Assert.Equal(Allow, Run(p, 449));   // futex_waitv
        Assert.Equal(Allow, Run(p, 11, I386));   // i386 execve
        Assert.Equal(Allow, Run(p, 0x40000000 | 0, X86_64)); // x32 read
        Assert.Equal(Allow, Run(p, 0x40000000 | 520, X86_64)); // x32 execve
    }

    [Fact]
    public void Dangerous_syscalls_are_denied()
    {
        var p = Compile(DockerDefaultCaps);
        Assert.Equal(Eperm, Run(p, 246));   // kexec_load
        Assert.Equal(Eperm, Run(p, 320));   // kexec_file_load
        Assert.Equal(Eperm, Run(p, 165));   // mount without CAP_SYS_ADMIN
        Assert.Equal(Eperm, Run(p, 166));   // umount2
        Assert.Equal(Eperm, Run(p, 272));   // unshare
        Assert.Equal(Eperm, Run(p, 308));   // setns
        Assert.Equal(Eperm, Run(p, 169));   // reboot
        Assert.Equal(Eperm, Run(p, 175));   // init_module
        Assert.Equal(Eperm, Run(p, 321));   // bpf
        Assert.Equal(Eperm, Run(p, 298));   // perf_event_open
        Assert.Equal(Eperm, Run(p, 155));   // pivot_root
        Assert.Equal(Eperm, Run(p, 21, I386)); // i386 mount
        Assert.Equal(Eperm, Run(p, 0x40000000 | 165, X86_64)); // x32 mount
        Assert.Equal(Enosys, Run(p, 435));  // clone3 → libc falls back to clone
        Assert.Equal(Enosys, Run(p, 470));  // newer than anything in the profile
        Assert.Equal(Enosys, Run(p, 1000));
        Assert.Equal(SECCOMP_RET_KILL_THREAD, Run(p, 63, SeccompData.AArch64));
    }

    [Fact]
    public void Clone_personality_and_socket_arguments()
    {
        var p = Compile(DockerDefaultCaps);
        const uint clone = 56, personality = 135, socket = 41;
        Assert.Equal(Allow, Run(p, clone, X86_64, ThreadFlags));
        Assert.Equal(Allow, Run(p, clone, X86_64, 0x11 /* SIGCHLD: fork */));
        Assert.Equal(Eperm, Run(p, clone, X86_64, CloneNewNs | 0x11));
        Assert.Equal(Eperm, Run(p, clone, X86_64, CloneNewUser));
        Assert.Equal(Eperm, Run(p, clone, X86_64, CloneNewNet | ThreadFlags));
        Assert.Equal(Allow, Run(p, 120, I386, ThreadFlags));      // i386 clone
        Assert.Equal(Eperm, Run(p, 120, I386, CloneNewNs));

        foreach (var ok in new ulong[] { 0, 8, 0x20000, 0x20008, 0xffffffff })
            Assert.Equal(Allow, Run(p, personality, X86_64, ok));
        Assert.Equal(Eperm, Run(p, personality, X86_64, 0x0040000)); // ADDR_NO_RANDOMIZE
        Assert.Equal(Eperm, Run(p, personality, X86_64, 0x1_0000_0000));

        Assert.Equal(Allow, Run(p, socket, X86_64, 2 /* AF_INET */));
        Assert.Equal(Allow, Run(p, socket, X86_64, 1 /* AF_UNIX */));
        Assert.Equal(Eperm, Run(p, socket, X86_64, 40 /* AF_VSOCK */));
        Assert.Equal(Allow, Run(p, socket, X86_64, 0x1_0000_0028)); // high word differs: not 40
    }

    [Fact]
    public void Capabilities_unlock_groups()
    {
        var admin = Compile([.. DockerDefaultCaps, "CAP_SYS_ADMIN"]);
        Assert.Equal(Allow, Run(admin, 165));  // mount
        Assert.Equal(Allow, Run(admin, 272));  // unshare
        Assert.Equal(Allow, Run(admin, 435));  // clone3
        Assert.Equal(Allow, Run(admin, 56, X86_64, CloneNewNs | CloneNewUser));
        Assert.Equal(Eperm, Run(admin, 246));  // kexec_load stays denied

        var ptrace = Compile("sys_ptrace"); // prefix and case are optional
        Assert.Equal(Allow, Run(ptrace, 312)); // kcmp
        Assert.Equal(Allow, Run(ptrace, 438)); // pidfd_getfd
        Assert.Equal(Eperm, Run(ptrace, 165));

        var none = Compile();
        Assert.Equal(Eperm, Run(none, 161));   // chroot needs CAP_SYS_CHROOT
        Assert.Equal(Eperm, Run(none, 312));   // kcmp
        Assert.Equal(Eperm, Run(none, 227));   // clock_settime
        Assert.Equal(Allow, Run(Compile("CAP_SYS_TIME"), 227));
        Assert.Equal(Allow, Run(Compile("CAP_SYS_BOOT"), 169));
        Assert.Equal(Allow, Run(Compile("CAP_SYS_MODULE"), 175));
        Assert.Equal(Allow, Run(Compile("CAP_BPF"), 321));
        Assert.Equal(Allow, Run(Compile("CAP_PERFMON"), 298));
        Assert.Equal(Allow, Run(Compile("CAP_SYSLOG"), 103));
        Assert.Equal(Allow, Run(Compile("CAP_SYS_RAWIO"), 172)); // iopl
        Assert.Equal(Allow, Run(Compile("CAP_DAC_READ_SEARCH"), 304)); // open_by_handle_at
    }

    [Fact]
    public void All_capabilities_still_fit()
    {
        string[] all =
        [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
            "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
        ];
        var p = Compile(all);
        Assert.True(p.Instructions.Length < BPF_MAXINSNS);
        Assert.Equal(Allow, Run(p, 165));
        Assert.Equal(Eperm, Run(p, 246)); // kexec_load is never allowed
    }
}
