#include "cshim_cgroups.h"
#include <linux/bpf.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const uint32_t SR_BPF_CGROUP_DEVICE = BPF_CGROUP_DEVICE, SR_BPF_F_ALLOW_MULTI = BPF_F_ALLOW_MULTI;
const uint64_t SR_CGROUP2_SUPER_MAGIC = CGROUP2_SUPER_MAGIC;

static int sr_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int sr_bpf_prog_load_cgroup_device(const void *insns, uint32_t insn_cnt, const char *license,
                                   char *log_buf, uint32_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insn_cnt = insn_cnt;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t)license;
    if (log_buf && log_size > 0) {
        log_buf[0] = 0;
        attr.log_level = 1;
        attr.log_size = log_size;
        attr.log_buf = (uint64_t)(uintptr_t)log_buf;
    }
    return sr_bpf(BPF_PROG_LOAD, &attr); // bpf fds are always O_CLOEXEC
}

int sr_bpf_prog_attach(int target_fd, int prog_fd, uint32_t attach_type, uint32_t flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)target_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = attach_type;
    attr.attach_flags = flags;
    return sr_bpf(BPF_PROG_ATTACH, &attr);
}

int sr_bpf_prog_detach(int target_fd, int prog_fd, uint32_t attach_type) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)target_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = attach_type;
    return sr_bpf(BPF_PROG_DETACH, &attr);
}

int sr_bpf_prog_query(int target_fd, uint32_t attach_type, uint32_t *attach_flags,
                      uint32_t *prog_ids, uint32_t *prog_cnt) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)target_fd;
    attr.query.attach_type = attach_type;
    attr.query.prog_ids = (uint64_t)(uintptr_t)prog_ids;
    attr.query.prog_cnt = prog_cnt ? *prog_cnt : 0;
    int r = sr_bpf(BPF_PROG_QUERY, &attr);
    if (r == 0) {
        if (attach_flags) *attach_flags = attr.query.attach_flags;
        if (prog_cnt) *prog_cnt = attr.query.prog_cnt;
    }
    return r;
}

int sr_bpf_prog_get_fd_by_id(uint32_t id) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    return sr_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}
