// swiftrun C shim: declarations Swift's Glibc module lacks, and short wrappers for syscalls and
// macros that Swift cannot call directly (raw syscalls without glibc wrappers, variadic functions,
// cmsg macros, wait-status macros). Every function returns what the kernel returns (-1 with errno
// set on failure) unless documented otherwise.
//
// Async-signal safety: unless a declaration says otherwise, each function is a syscall (or a few)
// that neither allocates nor takes a lock, so it is safe in the container init between clone3 and
// execve, and would be after fork in a multi-threaded process. Only LinuxSys imports this module.
#ifndef SWIFTRUN_CSHIM_H
#define SWIFTRUN_CSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma clang assume_nonnull begin

// --- plain glibc functions ---------------------------------------------
// Declared here because Swift's Glibc module is built without _GNU_SOURCE; call them directly
// (same prototypes as the glibc headers, which cshim.c includes to check them).
extern int setns(int fd, int nstype);
extern int unshare(int flags);
extern int setresuid(uid_t ruid, uid_t euid, uid_t suid);
extern int setresgid(gid_t rgid, gid_t egid, gid_t sgid);
extern int sethostname(const char *name, size_t len);
extern int setdomainname(const char *name, size_t len);
extern int pipe2(int pipefd[_Nonnull 2], int flags);
extern int memfd_create(const char *name, unsigned int flags);
extern ssize_t sendfile(int out_fd, int in_fd, off_t *_Nullable offset, size_t count);

// Sizes of the opaque buffers Swift allocates for sigset_t and struct termios (cshim.c asserts
// that the real types fit).
#define SR_SIGSET_BUFFER_SIZE 128
#define SR_TERMIOS_BUFFER_SIZE 128

// Constants Swift's Glibc module hides behind _GNU_SOURCE, defined in cshim.c from the real headers.
extern const int SR_F_GET_SEALS, SR_F_SEAL_WRITE, SR_AT_EMPTY_PATH;
extern const int SR_F_ADD_SEALS, SR_F_SEAL_SEAL, SR_F_SEAL_SHRINK, SR_F_SEAL_GROW;
extern const unsigned int SR_MFD_CLOEXEC, SR_MFD_ALLOW_SEALING;
extern const int SR_NETLINK_ROUTE;
// <asm-generic/ioctls.h> (through <sys/ioctl.h>): the pty ioctls TIOCSPTLCK and TIOCGPTPEER.
extern const unsigned long SR_TIOCSPTLCK, SR_TIOCGPTPEER;
// prctl(2) options and arguments from <linux/prctl.h>.
extern const int SR_PR_SET_PDEATHSIG, SR_PR_SET_KEEPCAPS, SR_PR_CAPBSET_READ, SR_PR_CAPBSET_DROP,
    SR_PR_SET_NO_NEW_PRIVS, SR_PR_CAP_AMBIENT, SR_PR_CAP_AMBIENT_RAISE, SR_PR_CAP_AMBIENT_CLEAR_ALL,
    SR_PR_GET_SECCOMP, SR_PR_SET_CHILD_SUBREAPER;

// --- processes ---------------------------------------------------------
// clone3 without CLONE_VM: behaves like fork (returns 0 in the child).
// pidfd_out receives a pidfd when non-NULL (CLONE_PIDFD). cgroup_fd >= 0
// places the child into that cgroup (CLONE_INTO_CGROUP). The child is a copy of the caller: it may
// run only async-signal-safe code unless the caller is single-threaded (swiftrun always is).
pid_t sr_clone3(uint64_t flags, int *_Nullable pidfd_out, int cgroup_fd);
int sr_pidfd_open(pid_t pid, unsigned int flags);
int sr_pidfd_send_signal(int pidfd, int sig, unsigned int flags);
int sr_close_range(unsigned int first, unsigned int last, unsigned int flags);
// faccessat(2) itself, with no flags (glibc's faccessat always tries faccessat2 first): the
// fallback when a seccomp profile older than faccessat2 refuses it. Async-signal-safe.
int sr_faccessat_noflags(int dirfd, const char *_Nonnull path, int mode);
int sr_wexitstatus(int status);
int sr_wifsignaled(int status);
int sr_wtermsig(int status);

// --- namespaces --------------------------------------------------------
// Deprecated wrappers of plain glibc functions (declared above): they go once their last callers
// call glibc directly (DocsTests fails for a shim nothing calls).
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
// Deprecated wrappers of plain glibc functions, as sr_setns.
int sr_setresuid(uid_t r, uid_t e, uid_t s);
int sr_setresgid(gid_t r, gid_t e, gid_t s);
int sr_sethostname(const char *name, size_t len);
int sr_setdomainname(const char *name, size_t len);
// setgroups(2); groups may be NULL when n is 0.
int sr_setgroups(size_t n, const gid_t *_Nullable groups);
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
// Send fd over a unix socket with SCM_RIGHTS (when fd >= 0) plus a payload (len >= 1; data is
// NULL only for an empty buffer). EINTR is retried.
ssize_t sr_send_fd(int sock, int fd, const void *_Nullable data, size_t len);
// Receive a payload and at most one fd (*fd_out = -1 when none came). EINTR is retried.
ssize_t sr_recv_fd(int sock, int *fd_out, void *_Nullable data, size_t len);

// --- signals -------------------------------------------------------------
// Block every signal the runtime forwards or waits for, return old mask in *old_mask
// (SR_SIGSET_BUFFER_SIZE bytes).
int sr_block_all_signals(void *old_mask);
// sigprocmask(SIG_SETMASK, old_mask): a mask saved by sr_block_all_signals (NULL changes nothing;
// a zeroed buffer is the empty set: every signal unblocked, what a child of the runtime needs
// before it execs).
int sr_restore_signals(const void *_Nullable old_mask);
// Reset every signal disposition to default (for the container child).
void sr_reset_signal_dispositions(void);
// pipe2
int sr_pipe2(int fds[_Nonnull 2], int flags);
// keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring for the container (an
// anonymous one when name is NULL).
int sr_join_session_keyring(const char *_Nullable name);
// accept4 with SOCK_CLOEXEC.
int sr_accept_cloexec(int fd);

// --- foreground sessions -------------------------------------------------
// signalfd over every signal (the caller has blocked them), non-blocking and close-on-exec.
int sr_signalfd_all(void);
// Reads one signal from a signalfd: returns the signal number (0 when none), -1 on error.
int sr_signalfd_read(int fd, int *_Nullable sender_pid);
// Raw mode for a terminal; the old termios (SR_TERMIOS_BUFFER_SIZE bytes) goes to saved.
int sr_tty_make_raw(int fd, void *saved);
int sr_tty_restore(int fd, const void *saved);
int sr_get_winsize(int fd, unsigned short *rows, unsigned short *cols);
int sr_set_dumpable(int on);
// The process's argc and argv as the kernel passed them to main (argv[argc] is NULL), kept by an
// .init_array entry; NULL when the C library passed none to it. Read from Swift without
// CommandLine, whose lazy initialisers are standard-library code of their own.
int sr_argc(void);
char *_Nullable *_Nullable sr_argv(void);
// execveat(fd, "", argv, envp, AT_EMPTY_PATH); only returns on failure. argv and envp end with NULL.
int sr_fexecve(int fd, char *_Nullable const argv[_Nonnull], char *_Nullable const envp[_Nonnull]);
// bind(2) of a netlink socket to the kernel's address family (sockaddr_nl, nl_pid 0: the kernel
// picks the port id).
int sr_netlink_bind(int fd);

#pragma clang assume_nonnull end

#endif
