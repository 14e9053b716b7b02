// swiftrun C shim for Landlock (Documentation/userspace-api/landlock.rst). glibc has no wrappers
// for the three syscalls, and Debian 12's <linux/landlock.h> predates ABI 4, so the structures are
// declared here with the layout of the kernel's current include/uapi/linux/landlock.h: a kernel
// older than a structure copies only the prefix it knows (the caller passes the size to use).
// Each function returns what the kernel returns (-1 with errno set on failure).
#ifndef SWIFTRUN_CSHIM_LANDLOCK_H
#define SWIFTRUN_CSHIM_LANDLOCK_H

#include <stddef.h>
#include <stdint.h>

// struct landlock_ruleset_attr: handled_access_net since ABI 4, scoped since ABI 6.
struct sr_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

// struct landlock_path_beneath_attr (packed in the uapi header: 12 bytes).
struct sr_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

// struct landlock_net_port_attr (ABI 4).
struct sr_landlock_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};

// enum landlock_rule_type
#define SR_LANDLOCK_RULE_PATH_BENEATH 1
#define SR_LANDLOCK_RULE_NET_PORT 2
// landlock_create_ruleset() flag: with attr NULL and size 0, returns the highest ABI version.
#define SR_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)

int sr_landlock_create_ruleset(const struct sr_landlock_ruleset_attr *_Nullable attr, size_t size, uint32_t flags);
int sr_landlock_add_rule(int ruleset_fd, int rule_type, const void *_Nonnull rule_attr, uint32_t flags);
int sr_landlock_restrict_self(int ruleset_fd, uint32_t flags);

#endif
