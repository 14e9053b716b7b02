// swiftrun C shim for seccomp: a thin layer over libseccomp (filter building and BPF export)
// and over the raw seccomp(2) syscall and the user-notification ioctls. <seccomp.h> is kept
// out of this header so that Swift never sees libseccomp's or the kernel's types.
// Unless documented otherwise, functions return >= 0 on success and a negative errno on failure
// (the libseccomp convention); the raw-syscall helpers return -1 with errno set.
#ifndef SWIFTRUN_CSHIM_SECCOMP_H
#define SWIFTRUN_CSHIM_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#pragma clang assume_nonnull begin

// Values from <seccomp.h> and <linux/seccomp.h>, defined in seccomp.c. SCMP_ACT_ERRNO(e) and
// SCMP_ACT_TRACE(e) are the base ORed with the 16-bit datum.
extern const uint32_t SR_SCMP_ACT_KILL_PROCESS, SR_SCMP_ACT_KILL_THREAD, SR_SCMP_ACT_TRAP,
    SR_SCMP_ACT_NOTIFY, SR_SCMP_ACT_LOG, SR_SCMP_ACT_ALLOW, SR_SCMP_ACT_ERRNO_BASE, SR_SCMP_ACT_TRACE_BASE;
extern const uint32_t SR_SCMP_CMP_NE, SR_SCMP_CMP_LT, SR_SCMP_CMP_LE, SR_SCMP_CMP_EQ, SR_SCMP_CMP_GE,
    SR_SCMP_CMP_GT, SR_SCMP_CMP_MASKED_EQ;
extern const uint32_t SR_SECCOMP_FILTER_FLAG_TSYNC, SR_SECCOMP_FILTER_FLAG_LOG,
    SR_SECCOMP_FILTER_FLAG_SPEC_ALLOW, SR_SECCOMP_FILTER_FLAG_NEW_LISTENER,
    SR_SECCOMP_FILTER_FLAG_TSYNC_ESRCH, SR_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

// --- libseccomp --------------------------------------------------------
// These allocate (libseccomp's heap): never call them in the container init after fork; the
// runtime compiles the filter before it clones.
// Library version (seccomp_version()).
void sr_scmp_version(unsigned int *major, unsigned int *minor, unsigned int *micro);
// Architecture token for a runtime-spec name ("SCMP_ARCH_X86_64"); 0 when this libseccomp
// does not know it.
uint32_t sr_scmp_arch_token(const char *spec_name);
// seccomp_syscall_resolve_name for the native arch; returns -1 (__NR_SCMP_ERROR) when unknown.
int sr_scmp_resolve(const char *name);
// seccomp_init; NULL on failure.
void *_Nullable sr_scmp_new(uint32_t default_action);
void sr_scmp_free(void *_Nullable ctx);
// seccomp_arch_add; -EEXIST is returned as 0 (the native arch is always present).
int sr_scmp_arch_add(void *ctx, uint32_t token);
// seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, level).
int sr_scmp_set_optimize(void *ctx, uint32_t level);
// seccomp_rule_add_array with n comparisons (n may be 0). op uses libseccomp's enum
// scmp_compare numbering (NE=1, LT=2, LE=3, EQ=4, GE=5, GT=6, MASKED_EQ=7); for MASKED_EQ
// a is the mask and b the datum.
int sr_scmp_rule_add(void *ctx, uint32_t action, int syscall_nr, unsigned int n,
                     const uint32_t *_Nullable arg_index, const uint32_t *_Nullable op,
                     const uint64_t *_Nullable a, const uint64_t *_Nullable b);
// Exports the classic BPF program into a malloc'ed buffer (*out, *len); free with free().
int sr_scmp_export_bpf(void *ctx, uint8_t *_Nullable *_Nonnull out, size_t *len);
void sr_scmp_free_buffer(void *_Nullable p);

// --- kernel ------------------------------------------------------------
// Raw syscalls and ioctls: async-signal-safe, no allocation.
// seccomp(SECCOMP_SET_MODE_FILTER, flags, {len/8, bpf}); when flags == 0 and seccomp(2) is
// missing (ENOSYS), prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER). Async-signal-safe: no
// allocation. Returns the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0; -1 + errno.
int sr_seccomp_install(uint32_t flags, const void *bpf, size_t len);
// 1 when the kernel accepts the filter flag combination (probes with a NULL program, which
// fails with EFAULT after flag validation), else 0.
int sr_seccomp_flags_supported(uint32_t flags);
// 1 when seccomp(SECCOMP_GET_ACTION_AVAIL) accepts the action, else 0.
int sr_seccomp_action_avail(uint32_t action);

#pragma clang assume_nonnull end

#endif
