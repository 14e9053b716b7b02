// swiftrun C shim: one-line wrappers for syscalls and macros that Swift cannot
// call directly (raw syscalls without glibc wrappers, variadic functions,
// cmsg macros, wait-status macros). Every function returns what the kernel
// returns (-1 with errno set on failure) unless documented otherwise.
#ifndef SWIFTRUN_CSHIM_H
#define SWIFTRUN_CSHIM_H

#include <stdint.h>
#include <sys/types.h>

// Constants Swift's Glibc module hides behind _GNU_SOURCE, defined in cshim.c from the real headers.
extern const int SR_F_GET_SEALS, SR_F_SEAL_WRITE, SR_AT_EMPTY_PATH;
// prctl(2) options and arguments from <linux/prctl.h>.
extern const int SR_PR_SET_PDEATHSIG, SR_PR_SET_KEEPCAPS, SR_PR_CAPBSET_READ, SR_PR_CAPBSET_DROP,
    SR_PR_SET_NO_NEW_PRIVS, SR_PR_CAP_AMBIENT, SR_PR_CAP_AMBIENT_RAISE, SR_PR_CAP_AMBIENT_CLEAR_ALL,
    SR_PR_GET_SECCOMP, SR_PR_SET_CHILD_SUBREAPER;

// --- processes ---------------------------------------------------------
// clone3 without CLONE_VM: behaves like fork (returns 0 in the child).
// pidfd_out receives a pidfd when non-NULL (CLONE_PIDFD). cgroup_fd >= 0
// places the child into that cgroup (CLONE_INTO_CGROUP).
pid_t sr_clone3(uint64_t flags, int *pidfd_out, int cgroup_fd);
int sr_pidfd_open(pid_t pid, unsigned int flags);
int sr_pidfd_send_signal(int pidfd, int sig, unsigned int flags);
int sr_close_range(unsigned int first, unsigned int last, unsigned int flags);
int sr_wexitstatus(int status);
int sr_wifsignaled(int status);
int sr_wtermsig(int status);

// --- namespaces --------------------------------------------------------
int sr_setns(int fd, int nstype);
int sr_unshare(int flags);

// --- mounts ------------------------------------------------------------
int sr_pivot_root(const char *new_root, const char *put_old);
int sr_mount_setattr(int dfd, const char *path, unsigned int flags,
                     uint64_t attr_set, uint64_t attr_clr, uint64_t propagation,
                     uint64_t userns_fd);
int sr_open_tree(int dfd, const char *path, unsigned int flags);
int sr_move_mount(int from_dfd, const char *from_path, int to_dfd,
                  const char *to_path, unsigned int flags);
// openat2 with struct open_how {flags, mode, resolve}.
int sr_openat2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

// --- credentials, capabilities, prctl ------------------------------------
int sr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
// Raw capset (version 3, 64-bit sets) on the calling thread.
int sr_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
int sr_setresuid(uid_t r, uid_t e, uid_t s);
int sr_setresgid(gid_t r, gid_t e, gid_t s);
int sr_setgroups(size_t n, const gid_t *groups);
int sr_sethostname(const char *name, size_t len);
int sr_setdomainname(const char *name, size_t len);
int sr_prlimit(pid_t pid, int resource, uint64_t soft, uint64_t hard);

// --- terminals and ioctls ------------------------------------------------
int sr_ioctl_int(int fd, unsigned long request, int arg);
int sr_ioctl_ptr(int fd, unsigned long request, void *arg);
int sr_set_ctty(int fd);
int sr_set_winsize(int fd, unsigned short rows, unsigned short cols);

// --- fds ---------------------------------------------------------------
int sr_fcntl_int(int fd, int cmd, int arg);
int sr_open(const char *path, int flags, unsigned int mode);
int sr_openat(int dfd, const char *path, int flags, unsigned int mode);
// Send fd over a unix socket with SCM_RIGHTS plus a payload (len >= 1).
ssize_t sr_send_fd(int sock, int fd, const void *data, size_t len);
// Receive a payload and at most one fd (*fd_out = -1 when none came).
ssize_t sr_recv_fd(int sock, int *fd_out, void *data, size_t len);

// --- signals -------------------------------------------------------------
// Block every signal the runtime forwards or waits for, return old mask in *old (128 bytes).
int sr_block_all_signals(void *old_mask);
int sr_restore_signals(const void *old_mask);
// Reset every signal disposition to default (for the container child).
void sr_reset_signal_dispositions(void);
// pipe2
int sr_pipe2(int fds[2], int flags);
// keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring for the container.
int sr_join_session_keyring(const char *name);
// accept4 with SOCK_CLOEXEC.
int sr_accept_cloexec(int fd);

// --- foreground sessions -------------------------------------------------
// signalfd over every signal (the caller has blocked them), non-blocking and close-on-exec.
int sr_signalfd_all(void);
// Reads one signal from a signalfd: returns the signal number (0 when none), -1 on error.
int sr_signalfd_read(int fd, int *sender_pid);
// Raw mode for a terminal; the old termios (<= 128 bytes) goes to saved.
int sr_tty_make_raw(int fd, void *saved);
int sr_tty_restore(int fd, const void *saved);
int sr_get_winsize(int fd, unsigned short *rows, unsigned short *cols);
int sr_set_dumpable(int on);
// Copies /proc/self/exe into a sealed memfd; returns the fd (close-on-exec) or -1.
int sr_sealed_self_copy(void);
// execveat(fd, "", argv, envp, AT_EMPTY_PATH); only returns on failure.
int sr_fexecve(int fd, char *const argv[], char *const envp[]);

#endif
