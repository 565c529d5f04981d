using System.Runtime.InteropServices;
using OciSeccomp = Quai.Oci.Runtime.Seccomp;
using OciSeccompArg = Quai.Oci.Runtime.SeccompArg;
using OciSeccompSyscall = Quai.Oci.Runtime.SeccompSyscall;

namespace Quai.Runtime.Seccomp;

/// <summary>
/// Quai's default seccomp profile: behaviourally equivalent to Docker/moby's default profile
/// (profiles/seccomp/default.json): unknown syscalls get EPERM (ERRNO with defaultErrnoRet 1), syscalls
/// newer than anything the profile names get ENOSYS from the compiler's runc-style stub, a fixed allow list,
/// argument-filtered socket/personality/clone rules, clone3 → ENOSYS without CAP_SYS_ADMIN (so libc falls
/// back to clone, whose flags we can inspect), and groups of syscalls unlocked by capabilities.
/// </summary>
public static class DefaultSeccompProfile
{
    private const uint EPERM = 1, ENOSYS = 38;

    // CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
    private const ulong CloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

    // personality(2) values allowed: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff.
    private static readonly ulong[] Personalities = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

    private sealed record Entry(
        string[] Names,
        string Action = "SCMP_ACT_ALLOW",
        uint? ErrnoRet = null,
        OciSeccompArg[]? Args = null,
        string[]? Caps = null,          // all required
        string[]? ExcludeCaps = null,   // any present → skipped
        string[]? Arches = null,        // host arch (GOARCH-style names) must be one of these
        string[]? ExcludeArches = null);

    private static readonly string[] AllowAlways =
    [
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir", "chmod",
        "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
        "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
        "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
        "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd",
        "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
        "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32",
        "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
        "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
        "ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents",
        "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
        "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
        "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
        "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
        "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
        "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
        "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
        /* io_uring_enter, io_uring_register, io_uring_setup: removed, as in Docker 25+ (its syscalls
           bypass seccomp filtering, and it has been the source of many kernel escapes) */ "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
        "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
        "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
        "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
        "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
        "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
        "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
        "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2", "pause",
        "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
        "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
        "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
        "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages",
        "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
        "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
        "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
        "sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
        "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
        "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
        "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
        "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
        "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
        "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl",
        "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
        "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
        "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
        "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
        "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
        "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
        "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
        "waitid", "waitpid", "write", "writev",
    ];

    private static OciSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0)
        => new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static IEnumerable<Entry> Entries()
    {
        yield return new Entry(AllowAlways);
        // Needs kernel >= 4.8 in moby (ptrace could bypass seccomp before); Quai requires a newer kernel anyway.
        yield return new Entry(["process_vm_readv", "process_vm_writev", "ptrace"]);
        // No AF_VSOCK (40) sockets.
        yield return new Entry(["socket"], Args: [Arg(0, "SCMP_CMP_NE", 40)]);
        foreach (var p in Personalities)
            yield return new Entry(["personality"], Args: [Arg(0, "SCMP_CMP_EQ", p)]);

        yield return new Entry(["sync_file_range2", "swapcontext"], Arches: ["ppc64le"]);
        yield return new Entry(["arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"], Arches: ["arm", "arm64"]);
        yield return new Entry(["arch_prctl"], Arches: ["amd64", "x32"]);
        yield return new Entry(["modify_ldt"], Arches: ["amd64", "x32", "x86"]);
        yield return new Entry(["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"], Arches: ["s390", "s390x"]);
        yield return new Entry(["riscv_flush_icache"], Arches: ["riscv64"]);

        yield return new Entry(["open_by_handle_at"], Caps: ["CAP_DAC_READ_SEARCH"]);
        yield return new Entry(
        [
            "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
            "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
            "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
        ], Caps: ["CAP_SYS_ADMIN"]);
        // Without CAP_SYS_ADMIN: clone only without namespace flags (flags are arg 1 on s390).
        yield return new Entry(["clone"], Args: [Arg(0, "SCMP_CMP_MASKED_EQ", CloneNamespaceFlags, 0)],
            ExcludeCaps: ["CAP_SYS_ADMIN"], ExcludeArches: ["s390", "s390x"]);
        yield return new Entry(["clone"], Args: [Arg(1, "SCMP_CMP_MASKED_EQ", CloneNamespaceFlags, 0)],
            ExcludeCaps: ["CAP_SYS_ADMIN"], Arches: ["s390", "s390x"]);
        // clone3 passes flags in memory, so it cannot be filtered: make libc fall back to clone.
        yield return new Entry(["clone3"], Action: "SCMP_ACT_ERRNO", ErrnoRet: ENOSYS, ExcludeCaps: ["CAP_SYS_ADMIN"]);

        yield return new Entry(["reboot"], Caps: ["CAP_SYS_BOOT"]);
        yield return new Entry(["chroot"], Caps: ["CAP_SYS_CHROOT"]);
        yield return new Entry(["delete_module", "init_module", "finit_module"], Caps: ["CAP_SYS_MODULE"]);
        yield return new Entry(["acct"], Caps: ["CAP_SYS_PACCT"]);
        yield return new Entry(["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"], Caps: ["CAP_SYS_PTRACE"]);
        yield return new Entry(["iopl", "ioperm"], Caps: ["CAP_SYS_RAWIO"]);
        yield return new Entry(["settimeofday", "stime", "clock_settime", "clock_settime64"], Caps: ["CAP_SYS_TIME"]);
        yield return new Entry(["vhangup"], Caps: ["CAP_SYS_TTY_CONFIG"]);
        yield return new Entry(["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"], Caps: ["CAP_SYS_NICE"]);
        yield return new Entry(["syslog"], Caps: ["CAP_SYSLOG"]);
        yield return new Entry(["bpf"], Caps: ["CAP_BPF"]);
        yield return new Entry(["perf_event_open"], Caps: ["CAP_PERFMON"]);
    }

    /// <summary>
    /// Builds the default profile for the host architecture and the container's capability set
    /// (names like <c>CAP_SYS_ADMIN</c>; the <c>CAP_</c> prefix and case are optional).
    /// </summary>
    public static OciSeccomp Create(IReadOnlyCollection<string> capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var caps = new HashSet<string>(capabilities.Select(NormalizeCap), StringComparer.Ordinal);
        var (hostArch, arches) = HostArch();

        var syscalls = new List<OciSeccompSyscall>();
        foreach (var e in Entries())
        {
            if (e.Arches is { } inc && !inc.Contains(hostArch)) continue;
            if (e.ExcludeArches is { } exc && exc.Contains(hostArch)) continue;
            if (e.Caps is { } need && !need.All(caps.Contains)) continue;
            if (e.ExcludeCaps is { } excl && excl.Any(caps.Contains)) continue;
            syscalls.Add(new OciSeccompSyscall
            {
                Names = [.. e.Names],
                Action = e.Action,
                ErrnoRet = e.ErrnoRet,
                Args = e.Args is null ? null : [.. e.Args.Select(a => Arg(a.Index, a.Op, a.Value, a.ValueTwo))],
            });
        }

        return new OciSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            DefaultErrnoRet = EPERM,
            Architectures = arches,
            Syscalls = syscalls,
        };
    }

    private static string NormalizeCap(string c)
    {
        var u = c.Trim().ToUpperInvariant();
        return u.StartsWith("CAP_", StringComparison.Ordinal) ? u : "CAP_" + u;
    }

    /// <summary>Host arch in moby's (GOARCH) spelling and the seccomp arch list moby's archMap gives it.</summary>
    private static (string, List<string>) HostArch() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => ("amd64", ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
        Architecture.Arm64 => ("arm64", ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]),
        Architecture.S390x => ("s390x", ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"]),
        Architecture.RiscV64 => ("riscv64", ["SCMP_ARCH_RISCV64"]),
        Architecture.Ppc64le => ("ppc64le", ["SCMP_ARCH_PPC64LE"]),
        Architecture.LoongArch64 => ("loong64", ["SCMP_ARCH_LOONGARCH64"]),
        Architecture.X86 => ("386", ["SCMP_ARCH_X86"]),
        Architecture.Arm or Architecture.Armv6 => ("arm", ["SCMP_ARCH_ARM"]),
        _ => ("amd64", ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
    };
}
