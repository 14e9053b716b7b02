// Shims only the unit tests call, to read back what the runtime set (scheduling, I/O priority,
// memory policy) and to play the seccomp agent. Kept out of Sources/CShim so they never ship in
// the binary. Each returns what the kernel returns (-1 with errno set on failure).
#ifndef SWIFTRUN_CSHIM_TEST_SUPPORT_H
#define SWIFTRUN_CSHIM_TEST_SUPPORT_H

#include <stdint.h>
#include <sys/types.h>

#pragma clang assume_nonnull begin

// sched_getattr(pid): policy, flags, nice, priority of struct sched_attr.
int sr_test_sched_getattr(pid_t pid, uint32_t *policy, uint64_t *flags, int32_t *nice, uint32_t *priority);
// ioprio_get(IOPRIO_WHO_PROCESS, pid): class << 13 | level.
int sr_test_ioprio_get(pid_t pid);
// get_mempolicy(&mode, nodemask, maxnode, NULL, 0).
long sr_test_get_mempolicy(int *mode, unsigned long *nodemask, unsigned long maxnode);

// SECCOMP_IOCTL_NOTIF_RECV: one notification; args6 receives the 6 syscall arguments.
int sr_test_seccomp_notif_recv(int fd, uint64_t *id, uint32_t *pid, int32_t *nr, uint32_t *arch, uint64_t *args6);
// SECCOMP_IOCTL_NOTIF_SEND: the syscall returns val when error is 0, else fails with -error.
int sr_test_seccomp_notif_send(int fd, uint64_t id, int64_t val, int32_t error, uint32_t flags);
// SECCOMP_IOCTL_NOTIF_ID_VALID: 0 while the notification id is valid.
int sr_test_seccomp_notif_id_valid(int fd, uint64_t id);

#pragma clang assume_nonnull end

#endif
