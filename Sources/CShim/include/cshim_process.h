// swiftrun C shim for per-process scheduling/placement attributes (config.md "Process",
// config-linux.md "Memory policy"/"Personality"). Raw syscalls: glibc has no wrapper for
// sched_setattr, ioprio_set or set_mempolicy. Each returns what the kernel returns
// (-1 with errno set on failure) unless documented otherwise.
#ifndef SWIFTRUN_CSHIM_PROCESS_H
#define SWIFTRUN_CSHIM_PROCESS_H

#include <stdint.h>
#include <sys/types.h>

#pragma clang assume_nonnull begin

// personality(2) and if_nametoindex(3) are plain glibc; declared for Swift (cshim.h explains).
extern int personality(unsigned long persona);
extern unsigned int if_nametoindex(const char *ifname);

// sched_setattr(pid, &attr, 0) with struct sched_attr (size 48, SCHED_ATTR_SIZE_VER0: no util clamps).
int sr_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                     uint64_t runtime, uint64_t deadline, uint64_t period);
// ioprio_set(IOPRIO_WHO_PROCESS, pid, value); value = class << 13 | level.
int sr_ioprio_set(pid_t pid, int value);
// Deprecated wrapper of personality(2) (declared above): returns the previous persona; 0xffffffff
// queries.
int sr_personality(unsigned long persona);
// sched_setaffinity/sched_getaffinity over a raw byte mask (bit n of byte n/8 = CPU n).
// sr_sched_getaffinity returns the number of bytes the kernel filled.
int sr_sched_setaffinity(pid_t pid, const uint8_t *mask, size_t len);
int sr_sched_getaffinity(pid_t pid, uint8_t *_Nullable mask, size_t len);
// set_mempolicy(mode | flags, nodemask, maxnode); mask is an array of unsigned long words.
// nodemask NULL with maxnode 0: MPOL_DEFAULT / MPOL_LOCAL.
long sr_set_mempolicy(int mode_with_flags, const unsigned long *_Nullable nodemask, unsigned long maxnode);
// Deprecated wrapper of if_nametoindex (declared above): 0 when missing. Not async-signal-safe
// (glibc opens a socket for it); the runtime calls it only in its own process.
unsigned int sr_if_nametoindex(const char *name);
// sendto() the kernel (nl_pid 0) on a netlink socket; EINTR is retried.
ssize_t sr_netlink_send(int fd, const void *_Nullable buf, size_t len);

#pragma clang assume_nonnull end

#endif
