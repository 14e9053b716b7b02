// swiftrun C shim for the Cgroups module: bpf(2) for the cgroup v2 device filter.
#ifndef SWIFTRUN_CSHIM_CGROUPS_H
#define SWIFTRUN_CSHIM_CGROUPS_H

#include <stdint.h>

#pragma clang assume_nonnull begin

// Kernel values from <linux/bpf.h> and <linux/magic.h>, defined in cgroups.c.
extern const uint32_t SR_BPF_CGROUP_DEVICE, SR_BPF_F_ALLOW_MULTI;
extern const uint64_t SR_CGROUP2_SUPER_MAGIC;

// None of these allocate; all are async-signal-safe (they are bpf(2) calls), though the runtime
// only calls them from the host process.

// BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program. `insns` points to `insn_cnt` 8-byte
// struct bpf_insn. The verifier log goes to log_buf when log_size > 0. Returns the program fd
// (O_CLOEXEC), or -1 with errno set.
int sr_bpf_prog_load_cgroup_device(const void *insns, uint32_t insn_cnt, const char *license,
                                   char *_Nullable log_buf, uint32_t log_size);
// BPF_PROG_ATTACH of prog_fd to the cgroup directory fd target_fd.
int sr_bpf_prog_attach(int target_fd, int prog_fd, uint32_t attach_type, uint32_t flags);
// BPF_PROG_DETACH of prog_fd from target_fd.
int sr_bpf_prog_detach(int target_fd, int prog_fd, uint32_t attach_type);
// BPF_PROG_QUERY: ids of programs attached directly to target_fd. *prog_cnt is the capacity on
// input and the number attached on output.
int sr_bpf_prog_query(int target_fd, uint32_t attach_type, uint32_t *_Nullable attach_flags,
                      uint32_t *prog_ids, uint32_t *_Nullable prog_cnt);
// BPF_PROG_GET_FD_BY_ID.
int sr_bpf_prog_get_fd_by_id(uint32_t id);

#pragma clang assume_nonnull end

#endif
