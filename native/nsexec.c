/*
 * quai nsexec: runs as an ELF constructor, before the .NET runtime starts, while the process
 * is still single-threaded. It is a no-op unless the environment holds _QUAI_INIT_FD, which
 * `quai-runtime` sets when it re-executes itself as a container's init (or exec'd process).
 *
 * Stages (see docs/architecture.md, "Process model"):
 *   stage 0  the re-executed binary: reads the bootstrap message from the parent, joins the
 *            namespaces given by path, creates a user namespace and waits for the parent to
 *            write the id maps, unshares the other namespaces and writes time offsets;
 *   stage 1  (only when a pid or time namespace applies to children) clone(CLONE_PARENT):
 *            stage 0 reports the child's pid and exits; the child is a direct child of the
 *            parent `quai-runtime`, so `run` can wait for it;
 *   then     the process that is now inside every namespace returns from this function and
 *            the .NET runtime starts in it; the C# init takes over on the same socket.
 * Only async-signal-safe, allocation-free calls are used here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "quai.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int init_fd = -1;

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) { errno = EPIPE; return -1; }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void send_msg(uint32_t type, int32_t value)
{
    struct quai_sync_msg m = { .type = type, .value = value };
    write_all(init_fd, &m, sizeof m);
}

/* Report "operation: errno" to the parent, which turns it into the runtime's error, and die. */
static void __attribute__((noreturn)) bail(const char *what, const char *obj)
{
    int err = errno;
    char text[512];
    size_t n = 0;
    const char *parts[3] = { what, obj ? " " : "", obj ? obj : "" };
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(parts[i]);
        if (n + l >= sizeof text) l = sizeof text - n - 1;
        memcpy(text + n, parts[i], l);
        n += l;
    }
    struct quai_sync_msg m = { .type = QUAI_SYNC_ERROR, .value = err };
    write_all(init_fd, &m, sizeof m);
    uint32_t len = (uint32_t)n;
    write_all(init_fd, &len, sizeof len);
    write_all(init_fd, text, n);
    _exit(1);
}

static int nstype_from_name(uint32_t t)
{
    return (int)t; /* the parent sends CLONE_NEW* values directly */
}

__attribute__((constructor)) static void quai_nsexec(void)
{
    const char *env = getenv("_QUAI_INIT_FD");
    if (env == NULL || *env == '\0')
        return;
    init_fd = atoi(env);
    /* Not dumpable from the first instruction until execve (runc's fix of CVE-2016-9962): a
     * process of the container cannot ptrace this one or open its /proc files (fds, memory)
     * while it still holds the host's credentials and descriptors. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int started_as_root = geteuid() == 0;

    struct quai_bootstrap hdr;
    if (read_all(init_fd, &hdr, sizeof hdr) < 0)
        bail("nsexec: read bootstrap", NULL);
    if (hdr.magic != QUAI_BOOTSTRAP_MAGIC || hdr.payload_len > QUAI_BOOTSTRAP_MAX) {
        errno = EINVAL;
        bail("nsexec: bad bootstrap message", NULL);
    }
    static char payload[QUAI_BOOTSTRAP_MAX + 1];
    if (hdr.payload_len > 0 && read_all(init_fd, payload, hdr.payload_len) < 0)
        bail("nsexec: read bootstrap payload", NULL);
    payload[hdr.payload_len] = '\0';

    /* First, with the credentials we were started with (lowering needs CAP_SYS_RESOURCE). */
    if (hdr.flags & QUAI_BOOT_OOM_SCORE) {
        char buf[16];
        int v = hdr.oom_score_adj, n = 0;
        unsigned u = v < 0 ? (unsigned)-v : (unsigned)v;
        char rev[12];
        do { rev[n++] = (char)('0' + u % 10); u /= 10; } while (u && n < 11);
        int k = 0;
        if (v < 0) buf[k++] = '-';
        while (n > 0) buf[k++] = rev[--n];
        buf[k] = '\0';
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write_all(fd, buf, (size_t)k) < 0)
            bail("nsexec: write oom_score_adj", buf);
        close(fd);
    }

    /* Payload: nns records "type:u32 len:u32 path[len]" then timens offsets text. */
    int fds[QUAI_MAX_NS];
    uint32_t types[QUAI_MAX_NS];
    const char *paths[QUAI_MAX_NS];
    size_t off = 0;
    if (hdr.nns > QUAI_MAX_NS) { errno = EINVAL; bail("nsexec: too many namespaces", NULL); }
    for (uint32_t i = 0; i < hdr.nns; i++) {
        uint32_t t, l;
        if (off + 8 > hdr.payload_len) { errno = EINVAL; bail("nsexec: truncated bootstrap", NULL); }
        memcpy(&t, payload + off, 4);
        memcpy(&l, payload + off + 4, 4);
        off += 8;
        if (off + l > hdr.payload_len) { errno = EINVAL; bail("nsexec: truncated bootstrap", NULL); }
        types[i] = t;
        paths[i] = payload + off;
        payload[off + l - 1] = '\0'; /* the parent sends a NUL-terminated path */
        off += l;
    }
    const char *timens = off < hdr.payload_len ? payload + off : NULL;

    /* Open every namespace first, so that joining one (the mount namespace above all)
     * cannot change what the next path resolves to. */
    for (uint32_t i = 0; i < hdr.nns; i++) {
        fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            bail("nsexec: open namespace", paths[i]);
    }
    /* Order (runc's nsexec): namespaces owned by an ancestor user namespace (a host network
     * namespace joined by the container, say) can only be joined with our own credentials, so
     * every namespace but user and mount is tried first; the user namespace next (its
     * capabilities are what the others may need); then those that failed with EPERM, retried;
     * mount last, as joining it changes what paths resolve to. */
    int retry[QUAI_MAX_NS];
    int nretry = 0;
    for (uint32_t i = 0; i < hdr.nns; i++) {
        int t = nstype_from_name(types[i]);
        if (t == CLONE_NEWUSER || t == CLONE_NEWNS) continue;
        if (setns(fds[i], t) == 0) { close(fds[i]); fds[i] = -1; continue; }
        if (errno != EPERM) bail("nsexec: setns", paths[i]);
        retry[nretry++] = (int)i;
    }
    for (uint32_t i = 0; i < hdr.nns; i++) {
        if (nstype_from_name(types[i]) != CLONE_NEWUSER) continue;
        if (setns(fds[i], CLONE_NEWUSER) < 0) bail("nsexec: setns", paths[i]);
        close(fds[i]);
        fds[i] = -1;
    }
    for (int r = 0; r < nretry; r++) {
        int i = retry[r];
        if (setns(fds[i], nstype_from_name(types[i])) < 0) bail("nsexec: setns", paths[i]);
        close(fds[i]);
        fds[i] = -1;
    }
    for (uint32_t i = 0; i < hdr.nns; i++) {
        if (nstype_from_name(types[i]) != CLONE_NEWNS) continue;
        if (setns(fds[i], CLONE_NEWNS) < 0) bail("nsexec: setns", paths[i]);
        close(fds[i]);
        fds[i] = -1;
    }

    uint32_t flags = hdr.clone_flags;
    if (flags & CLONE_NEWUSER) {
        if (unshare(CLONE_NEWUSER) < 0)
            bail("nsexec: unshare user namespace", NULL);
        /* The parent writes uid_map/gid_map (and setgroups) for us, then acknowledges. An
         * unprivileged parent may only write the /proc files of a dumpable process. */
        if (!started_as_root) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        send_msg(QUAI_SYNC_USERMAP_REQ, getpid());
        struct quai_sync_msg ack;
        if (read_all(init_fd, &ack, sizeof ack) < 0 || ack.type != QUAI_SYNC_USERMAP_ACK) {
            errno = ack.type == QUAI_SYNC_ERROR ? ack.value : EPIPE;
            bail("nsexec: wait for uid/gid maps", NULL);
        }
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (hdr.flags & QUAI_BOOT_SETUID0) {
            if (syscall(SYS_setresgid, 0, 0, 0) < 0)
                bail("nsexec: setresgid 0 in user namespace", NULL);
            if (syscall(SYS_setresuid, 0, 0, 0) < 0)
                bail("nsexec: setresuid 0 in user namespace", NULL);
        }
    }
    if (hdr.flags & QUAI_BOOT_JOINED_USERNS) {
        /* Joining a container's user namespace: become its root, as runc exec does. */
        syscall(SYS_setresgid, 0, 0, 0);
        syscall(SYS_setresuid, 0, 0, 0);
    }

    uint32_t rest = flags & ~(uint32_t)CLONE_NEWUSER;
    if (rest != 0 && unshare((int)rest) < 0)
        bail("nsexec: unshare namespaces", NULL);

    if ((flags & CLONE_NEWTIME) && timens != NULL && *timens != '\0') {
        int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            bail("nsexec: open", "/proc/self/timens_offsets");
        if (write_all(fd, timens, strlen(timens)) < 0)
            bail("nsexec: write", "/proc/self/timens_offsets");
        close(fd);
    }

    if (hdr.flags & QUAI_BOOT_FORK) {
        /* A new or joined pid (or time) namespace only applies to children. CLONE_PARENT makes
         * the child a sibling of this process: a direct child of quai-runtime. */
        long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid < 0)
            bail("nsexec: clone init", NULL);
        if (pid > 0) {
            send_msg(QUAI_SYNC_CHILD_PID, (int32_t)pid);
            _exit(0);
        }
    } else {
        send_msg(QUAI_SYNC_CHILD_PID, getpid());
    }
    /* The init: return into the .NET runtime, inside every namespace. */
    prctl(PR_SET_PDEATHSIG, 0);
}

/* Referenced from C# so that the linker keeps this object (and its constructor). */
int quai_native_version(void)
{
    return QUAI_NATIVE_VERSION;
}
