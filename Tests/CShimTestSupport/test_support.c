#define _GNU_SOURCE
#include "cshim_test_support.h"

#include <errno.h>
#include <linux/sched/types.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int sr_test_sched_getattr(pid_t pid, uint32_t *policy, uint64_t *flags, int32_t *nice, uint32_t *priority) {
    struct sched_attr a;
    memset(&a, 0, sizeof(a));
    int r = (int)syscall(SYS_sched_getattr, pid, &a, sizeof(a), 0);
    if (r == 0) {
        *policy = a.sched_policy;
        *flags = a.sched_flags;
        *nice = a.sched_nice;
        *priority = a.sched_priority;
    }
    return r;
}

int sr_test_ioprio_get(pid_t pid) { return (int)syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid); }

long sr_test_get_mempolicy(int *mode, unsigned long *nodemask, unsigned long maxnode) {
    return syscall(SYS_get_mempolicy, mode, nodemask, maxnode, NULL, 0UL);
}

int sr_test_seccomp_notif_recv(int fd, uint64_t *id, uint32_t *pid, int32_t *nr, uint32_t *arch, uint64_t *args6) {
    struct seccomp_notif req;
    int r;
    do {
        memset(&req, 0, sizeof(req));
        r = ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return -1;
    *id = req.id;
    *pid = req.pid;
    *nr = req.data.nr;
    *arch = req.data.arch;
    for (int i = 0; i < 6; i++) args6[i] = req.data.args[i];
    return 0;
}

int sr_test_seccomp_notif_send(int fd, uint64_t id, int64_t val, int32_t error, uint32_t flags) {
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof(resp));
    resp.id = id;
    resp.val = val;
    resp.error = error;
    resp.flags = flags;
    int r;
    do { r = ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp); } while (r < 0 && errno == EINTR);
    return r;
}

int sr_test_seccomp_notif_id_valid(int fd, uint64_t id) { return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id); }
