/* Shared definitions between quai-runtime's C unit and its C# side (Quai.Interop/Native). */
#ifndef QUAI_H
#define QUAI_H
#include <stdint.h>

#define QUAI_NATIVE_VERSION 1
#define QUAI_BOOTSTRAP_MAGIC 0x51554149u /* "QUAI" */
#define QUAI_BOOTSTRAP_MAX 65536
#define QUAI_MAX_NS 16

/* bootstrap flags */
#define QUAI_BOOT_FORK 1u          /* fork once more: pid/time namespace applies to children */
#define QUAI_BOOT_SETUID0 2u       /* after the id maps are written, become uid/gid 0 */
#define QUAI_BOOT_JOINED_USERNS 4u /* joined an existing user namespace (exec) */
#define QUAI_BOOT_OOM_SCORE 8u     /* write oom_score_adj (the process does it itself: it is not dumpable) */

struct quai_bootstrap {
    uint32_t magic;
    uint32_t clone_flags; /* namespaces to create */
    uint32_t flags;       /* QUAI_BOOT_* */
    uint32_t nns;         /* namespaces to join, in the payload */
    uint32_t payload_len;
    int32_t oom_score_adj;
};

/* messages on the init socket, child -> parent and parent -> child */
#define QUAI_SYNC_USERMAP_REQ 1
#define QUAI_SYNC_USERMAP_ACK 2
#define QUAI_SYNC_CHILD_PID 3
#define QUAI_SYNC_ERROR 4 /* followed by u32 length and that many bytes of text */

struct quai_sync_msg {
    uint32_t type;
    int32_t value;
};

#endif
