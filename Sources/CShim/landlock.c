#include "cshim_landlock.h"
#include <sys/syscall.h>
#include <unistd.h>

// Syscall numbers are the same on every architecture (asm-generic/unistd.h).
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

_Static_assert(sizeof(struct sr_landlock_path_beneath_attr) == 12, "packed as in the uapi header");
_Static_assert(sizeof(struct sr_landlock_net_port_attr) == 16, "as in the uapi header");

int sr_landlock_create_ruleset(const struct sr_landlock_ruleset_attr *attr, size_t size, uint32_t flags) {
    return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

int sr_landlock_add_rule(int ruleset_fd, int rule_type, const void *rule_attr, uint32_t flags) {
    return (int)syscall(__NR_landlock_add_rule, ruleset_fd, rule_type, rule_attr, flags);
}

int sr_landlock_restrict_self(int ruleset_fd, uint32_t flags) {
    return (int)syscall(__NR_landlock_restrict_self, ruleset_fd, flags);
}
