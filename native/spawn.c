/*
 * quai_spawn: fork and exec from a multi-threaded .NET process without running managed code
 * in the child (see GUIDE §1). Only async-signal-safe calls happen between fork and exec; an
 * exec failure is reported through a CLOEXEC pipe, as .NET's own Process.Start does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif

/* flags */
#define QUAI_SPAWN_SETSID 1
#define QUAI_SPAWN_PDEATHSIG 2

static void child_fail(int pipe_fd, int err)
{
    while (write(pipe_fd, &err, sizeof err) < 0 && errno == EINTR) {}
    _exit(127);
}

/*
 * Starts argv with envp. The program is exe_fd (execveat AT_EMPTY_PATH) when exe_fd >= 0,
 * else path. fd_map holds nfd pairs (source, target): each source is made available in the
 * child at target, without CLOEXEC; every other descriptor the .NET runtime opened is
 * CLOEXEC and disappears. Returns the pid, or -errno (the child's exec errno if exec failed).
 */
int quai_spawn(const char *path, int exe_fd, char *const argv[], char *const envp[],
               const int *fd_map, int nfd, int flags)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    pid_t pid = fork();
    if (pid == 0) {
        /* Child: restore default dispositions (the runtime ignores SIGPIPE and friends;
         * ignored signals would survive exec), then unblock. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; s++) {
            if (s == SIGKILL || s == SIGSTOP) continue;
            sigaction(s, &dfl, NULL);
        }
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);

        if (flags & QUAI_SPAWN_SETSID)
            setsid();

        /* Move sources above every target first, so a target never clobbers a source. */
        int high = 3;
        for (int i = 0; i < nfd; i++) {
            if (fd_map[2 * i + 1] >= high) high = fd_map[2 * i + 1] + 1;
            if (pipefd[1] >= high) high = pipefd[1] + 1;
        }
        int tmp[64];
        if (nfd > 64) child_fail(pipefd[1], E2BIG);
        if (pipefd[1] < high) {
            int moved = fcntl(pipefd[1], F_DUPFD_CLOEXEC, high);
            if (moved < 0) child_fail(pipefd[1], errno);
            pipefd[1] = moved;
            high = moved + 1;
        }
        for (int i = 0; i < nfd; i++) {
            tmp[i] = fcntl(fd_map[2 * i], F_DUPFD_CLOEXEC, high);
            if (tmp[i] < 0) child_fail(pipefd[1], errno);
        }
        int maxt = -1;
        for (int i = 0; i < nfd; i++) {
            if (dup2(tmp[i], fd_map[2 * i + 1]) < 0) child_fail(pipefd[1], errno);
            if (fd_map[2 * i + 1] > maxt) maxt = fd_map[2 * i + 1];
        }
        /* Only the mapped descriptors pass: anything else the caller inherited without
         * CLOEXEC (a CI step's pipe, a socket of a library) is closed at exec, so a long-lived
         * child (the monitor) never holds a caller's pipe open and a hook never gets the init
         * socket or exec.fifo. */
        for (int fd = 0; fd <= maxt; fd++) {
            int mapped = 0;
            for (int i = 0; i < nfd; i++) if (fd_map[2 * i + 1] == fd) { mapped = 1; break; }
            if (!mapped) fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        if (syscall(SYS_close_range, (unsigned)(maxt + 1), ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
            /* old kernels: mark them one by one */
            for (int fd = maxt + 1; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        if (exe_fd >= 0)
            syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
        else
            execve(path, argv, envp);
        child_fail(pipefd[1], errno);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        return -fork_errno;
    }
    int child_err = 0;
    ssize_t n;
    do {
        n = read(pipefd[0], &child_err, sizeof child_err);
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == sizeof child_err) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return -child_err;
    }
    return pid;
}

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define QUAI_OPEN_TREE_CLONE 1
#define QUAI_MOUNT_ATTR_RDONLY 0x1
#define QUAI_MOUNT_ATTR_NOSUID 0x2
#define QUAI_MOUNT_ATTR_NODEV 0x4

struct quai_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/*
 * This executable on a detached, read-only bind mount (CVE-2019-5736): open_tree clones a mount
 * of just this file that is attached nowhere, so no container can reach or remount it, and
 * being read-only, a container process that re-executes /proc/self/exe of our init cannot open
 * it for writing. Costs two syscalls instead of copying the binary; needs CAP_SYS_ADMIN, so the
 * caller falls back to quai_sealed_self. Returns the fd (exec it with execveat AT_EMPTY_PATH)
 * or -errno.
 */
int quai_readonly_self(void)
{
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", QUAI_OPEN_TREE_CLONE | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct quai_mount_attr attr = { .attr_set = QUAI_MOUNT_ATTR_RDONLY | QUAI_MOUNT_ATTR_NOSUID | QUAI_MOUNT_ATTR_NODEV };
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/*
 * A sealed, in-memory copy of this executable (CVE-2019-5736): a container process that
 * re-executes /proc/self/exe of our init reaches this copy, which cannot be written to.
 * Returns the memfd (CLOEXEC) or -errno.
 */
int quai_sealed_self(void)
{
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return -errno;
    struct stat st;
    if (fstat(src, &st) < 0) {
        int e = errno;
        close(src);
        return -e;
    }
    int fd = (int)syscall(SYS_memfd_create, "quai-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        int e = errno;
        close(src);
        return -e;
    }
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            if (e == EINTR) continue;
            close(src);
            close(fd);
            return -e;
        }
    }
    close(src);
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}
