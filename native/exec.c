/*
 * quai_exec_final: the last steps of a container process, from credentials to execve, done in
 * one native call so that nothing (no managed code, no GC safepoint) runs between dropping
 * privileges, loading the seccomp filter and exec. Raw syscalls change only the calling
 * thread's credentials: the other .NET runtime threads vanish at execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

struct quai_exec_params {
    const char *path;
    char *const *argv;
    char *const *envp;
    int32_t set_user;         /* change uid/gid/groups */
    uint32_t uid, gid;
    int32_t ngroups;          /* -1: leave supplementary groups alone */
    const uint32_t *groups;
    int32_t set_caps;
    uint64_t bounding, effective, permitted, inheritable, ambient;
    int32_t no_new_privs;
    const struct sock_filter *filter; /* NULL: no seccomp */
    uint32_t filter_len;
    uint32_t seccomp_flags;
    int32_t first_cloexec_fd; /* every fd >= this becomes CLOEXEC (CVE-2024-21626) */
    int32_t listener_sock;    /* >= 0: send the seccomp notify fd over this socket */
    const char *listener_msg; /* the containerProcessState JSON sent with it */
    uint32_t listener_msg_len;
    int32_t last_cap;         /* highest capability the kernel knows */
    int32_t *failed_step;     /* out: which step failed */
};

enum { STEP_CLOEXEC = 1, STEP_SECCOMP, STEP_BOUNDING, STEP_KEEPCAPS, STEP_SETGROUPS, STEP_SETGID,
       STEP_SETUID, STEP_CAPSET, STEP_AMBIENT, STEP_NNP, STEP_LISTENER, STEP_EXEC };

static int send_fd(int sock, int fd, const char *body, uint32_t len)
{
    char dummy = 0;
    struct iovec iov = { .iov_base = len ? (void *)body : &dummy, .iov_len = len ? len : 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

static int load_seccomp(const struct quai_exec_params *p)
{
    struct sock_fprog prog = { .len = (unsigned short)p->filter_len,
                               .filter = (struct sock_filter *)p->filter };
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog);
    if (rc < 0)
        return -1;
    if (p->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        int lfd = (int)rc;
        if (p->listener_sock >= 0 && send_fd(p->listener_sock, lfd, p->listener_msg, p->listener_msg_len) < 0)
            return -2;
        close(lfd);
    }
    return 0;
}

#define FAIL(step) do { int e__ = errno; if (p->failed_step) *p->failed_step = (step); return -e__; } while (0)

int quai_exec_final(const struct quai_exec_params *p)
{
    if (p->first_cloexec_fd >= 0 &&
        syscall(SYS_close_range, (unsigned)p->first_cloexec_fd, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        FAIL(STEP_CLOEXEC);

    /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we have it. */
    if (p->filter != NULL && !p->no_new_privs) {
        int r = load_seccomp(p);
        if (r == -2) FAIL(STEP_LISTENER);
        if (r < 0) FAIL(STEP_SECCOMP);
    }
    if (p->set_caps) {
        for (int c = 0; c <= p->last_cap; c++) {
            if (p->bounding & (1ULL << c)) continue;
            if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                FAIL(STEP_BOUNDING);
        }
    }
    if (p->set_user) {
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            FAIL(STEP_KEEPCAPS);
        /* Exactly the listed groups (the caller refuses more than NGROUPS_MAX): a failure is
         * an error, never a process that silently keeps the runtime's groups. */
        if (p->ngroups >= 0 && syscall(SYS_setgroups, (long)p->ngroups, p->groups) < 0)
            FAIL(STEP_SETGROUPS);
        if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
            FAIL(STEP_SETGID);
        if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
            FAIL(STEP_SETUID);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            FAIL(STEP_KEEPCAPS);
    }
    if (p->set_caps) {
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof data);
        for (int i = 0; i < 2; i++) {
            data[i].effective = (uint32_t)(p->effective >> (32 * i));
            data[i].permitted = (uint32_t)(p->permitted >> (32 * i));
            data[i].inheritable = (uint32_t)(p->inheritable >> (32 * i));
        }
        if (syscall(SYS_capset, &hdr, data) < 0)
            FAIL(STEP_CAPSET);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
            FAIL(STEP_AMBIENT);
        for (int c = 0; c <= p->last_cap; c++) {
            if (!(p->ambient & (1ULL << c))) continue;
            /* A capability can only be ambient if it is also permitted and inheritable; like
             * runc, one that is not is skipped rather than failing the container. */
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM)
                FAIL(STEP_AMBIENT);
        }
    }
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        FAIL(STEP_NNP);
    if (p->filter != NULL && p->no_new_privs) {
        int r = load_seccomp(p);
        if (r == -2) FAIL(STEP_LISTENER);
        if (r < 0) FAIL(STEP_SECCOMP);
    }
    /* Ignored signals stay ignored across execve (the .NET runtime ignores SIGPIPE), and the
     * mask is inherited: give the program the defaults it expects. Handled signals are reset
     * by execve itself; changing them here would affect the runtime's other threads. */
    for (int s = 1; s < NSIG; s++) {
        struct sigaction old;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &old) < 0) continue;
        if (old.sa_handler == SIG_IGN) {
            struct sigaction dfl;
            memset(&dfl, 0, sizeof dfl);
            dfl.sa_handler = SIG_DFL;
            sigaction(s, &dfl, NULL);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    execve(p->path, p->argv, p->envp);
    FAIL(STEP_EXEC);
}

static void exit_on_signal(int sig)
{
    _exit(128 + sig);
}

/*
 * A created container's init is pid 1 of its namespace: the kernel drops the signals it has no
 * handler for. runc's init (Go) exits on TERM, INT, HUP and QUIT; this installs the same, as
 * plain handlers (async-signal-safe, no runtime thread). execve resets them.
 */
int quai_exit_on_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = exit_on_signal;
    sigfillset(&sa.sa_mask);
    int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -errno;
    return 0;
}
