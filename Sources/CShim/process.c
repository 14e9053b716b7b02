#define _GNU_SOURCE
#include "cshim_process.h"

#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sr_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int sr_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                     uint64_t runtime, uint64_t deadline, uint64_t period) {
    struct sr_sched_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.sched_policy = policy;
    a.sched_flags = flags;
    a.sched_nice = nice;
    a.sched_priority = priority;
    a.sched_runtime = runtime;
    a.sched_deadline = deadline;
    a.sched_period = period;
    return (int)syscall(SYS_sched_setattr, pid, &a, 0);
}

int sr_ioprio_set(pid_t pid, int value) { return (int)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, pid, value); }

int sr_personality(unsigned long persona) { return personality(persona); }

int sr_sched_setaffinity(pid_t pid, const uint8_t *mask, size_t len) {
    return (int)syscall(SYS_sched_setaffinity, pid, len, mask);
}
int sr_sched_getaffinity(pid_t pid, uint8_t *mask, size_t len) {
    return (int)syscall(SYS_sched_getaffinity, pid, len, mask);
}

long sr_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode) {
    return syscall(SYS_set_mempolicy, mode, nodemask, maxnode);
}

unsigned int sr_if_nametoindex(const char *name) { return if_nametoindex(name); }

ssize_t sr_netlink_send(int fd, const void *buf, size_t len) {
    struct sockaddr_nl k;
    memset(&k, 0, sizeof(k));
    k.nl_family = AF_NETLINK;
    ssize_t r;
    do { r = sendto(fd, buf, len, 0, (struct sockaddr *)&k, sizeof(k)); } while (r < 0 && errno == EINTR);
    return r;
}
