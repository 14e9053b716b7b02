#define _GNU_SOURCE
#include "cshim_seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5) // Linux 5.19; older uapi headers lack it
#endif

const uint32_t SR_SCMP_ACT_KILL_PROCESS = SCMP_ACT_KILL_PROCESS, SR_SCMP_ACT_KILL_THREAD = SCMP_ACT_KILL_THREAD,
    SR_SCMP_ACT_TRAP = SCMP_ACT_TRAP, SR_SCMP_ACT_NOTIFY = SCMP_ACT_NOTIFY, SR_SCMP_ACT_LOG = SCMP_ACT_LOG,
    SR_SCMP_ACT_ALLOW = SCMP_ACT_ALLOW, SR_SCMP_ACT_ERRNO_BASE = SCMP_ACT_ERRNO(0),
    SR_SCMP_ACT_TRACE_BASE = SCMP_ACT_TRACE(0);
const uint32_t SR_SCMP_CMP_NE = SCMP_CMP_NE, SR_SCMP_CMP_LT = SCMP_CMP_LT, SR_SCMP_CMP_LE = SCMP_CMP_LE,
    SR_SCMP_CMP_EQ = SCMP_CMP_EQ, SR_SCMP_CMP_GE = SCMP_CMP_GE, SR_SCMP_CMP_GT = SCMP_CMP_GT,
    SR_SCMP_CMP_MASKED_EQ = SCMP_CMP_MASKED_EQ;
const uint32_t SR_SECCOMP_FILTER_FLAG_TSYNC = SECCOMP_FILTER_FLAG_TSYNC,
    SR_SECCOMP_FILTER_FLAG_LOG = SECCOMP_FILTER_FLAG_LOG,
    SR_SECCOMP_FILTER_FLAG_SPEC_ALLOW = SECCOMP_FILTER_FLAG_SPEC_ALLOW,
    SR_SECCOMP_FILTER_FLAG_NEW_LISTENER = SECCOMP_FILTER_FLAG_NEW_LISTENER,
    SR_SECCOMP_FILTER_FLAG_TSYNC_ESRCH = SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
    SR_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

void sr_scmp_version(unsigned int *major, unsigned int *minor, unsigned int *micro) {
    const struct scmp_version *v = seccomp_version();
    *major = v ? v->major : 0;
    *minor = v ? v->minor : 0;
    *micro = v ? v->micro : 0;
}

uint32_t sr_scmp_arch_token(const char *n) {
#define ARCH(name) if (strcmp(n, #name) == 0) return name;
    ARCH(SCMP_ARCH_X86)
    ARCH(SCMP_ARCH_X86_64)
    ARCH(SCMP_ARCH_X32)
    ARCH(SCMP_ARCH_ARM)
    ARCH(SCMP_ARCH_AARCH64)
    ARCH(SCMP_ARCH_MIPS)
    ARCH(SCMP_ARCH_MIPS64)
    ARCH(SCMP_ARCH_MIPS64N32)
    ARCH(SCMP_ARCH_MIPSEL)
    ARCH(SCMP_ARCH_MIPSEL64)
    ARCH(SCMP_ARCH_MIPSEL64N32)
    ARCH(SCMP_ARCH_PPC)
    ARCH(SCMP_ARCH_PPC64)
    ARCH(SCMP_ARCH_PPC64LE)
    ARCH(SCMP_ARCH_S390)
    ARCH(SCMP_ARCH_S390X)
#ifdef SCMP_ARCH_PARISC
    ARCH(SCMP_ARCH_PARISC)
    ARCH(SCMP_ARCH_PARISC64)
#endif
#ifdef SCMP_ARCH_RISCV64
    ARCH(SCMP_ARCH_RISCV64)
#endif
#ifdef SCMP_ARCH_LOONGARCH64
    ARCH(SCMP_ARCH_LOONGARCH64)
#endif
#ifdef SCMP_ARCH_M68K
    ARCH(SCMP_ARCH_M68K)
#endif
#ifdef SCMP_ARCH_SH
    ARCH(SCMP_ARCH_SH)
    ARCH(SCMP_ARCH_SHEB)
#endif
#undef ARCH
    return 0;
}


int sr_scmp_resolve(const char *name) { return seccomp_syscall_resolve_name(name); }

void *sr_scmp_new(uint32_t default_action) { return seccomp_init(default_action); }

void sr_scmp_free(void *ctx) { if (ctx) seccomp_release(ctx); }

int sr_scmp_arch_add(void *ctx, uint32_t token) {
    int r = seccomp_arch_add(ctx, token);
    return r == -EEXIST ? 0 : r;
}

int sr_scmp_set_optimize(void *ctx, uint32_t level) {
    return seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, level);
}

int sr_scmp_rule_add(void *ctx, uint32_t action, int syscall_nr, unsigned int n,
                     const uint32_t *arg_index, const uint32_t *op,
                     const uint64_t *a, const uint64_t *b) {
    struct scmp_arg_cmp cmps[6];
    if (n > 6) return -EINVAL;
    for (unsigned int i = 0; i < n; i++) {
        cmps[i].arg = arg_index[i];
        cmps[i].op = (enum scmp_compare)op[i];
        cmps[i].datum_a = a[i];
        cmps[i].datum_b = b[i];
    }
    return seccomp_rule_add_array(ctx, action, syscall_nr, n, n ? cmps : NULL);
}

int sr_scmp_export_bpf(void *ctx, uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    int fd = memfd_create("swiftrun-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0) { close(fd); return r; }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0) { r = -errno; close(fd); return r; }
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    if (!buf) { close(fd); return -ENOMEM; }
    size_t got = 0;
    while (got < (size_t)size) {
        ssize_t n = pread(fd, buf + got, (size_t)size - got, (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { r = n < 0 ? -errno : -EIO; free(buf); close(fd); return r; }
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

void sr_scmp_free_buffer(void *p) { free(p); }

int sr_seccomp_install(uint32_t flags, const void *bpf, size_t len) {
    struct sock_fprog prog;
    prog.len = (unsigned short)(len / sizeof(struct sock_filter));
    prog.filter = (struct sock_filter *)bpf;
    if (len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > 0xffff) {
        errno = EINVAL;
        return -1;
    }
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flags, &prog);
    if (r < 0 && errno == ENOSYS && flags == 0)
        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
    return (int)r;
}

int sr_seccomp_flags_supported(uint32_t flags) {
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flags, NULL);
    return r < 0 && errno == EFAULT;
}

int sr_seccomp_action_avail(uint32_t action) {
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}
