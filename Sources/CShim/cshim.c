#define _GNU_SOURCE
#include "cshim.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

pid_t sr_clone3(uint64_t flags, int *pidfd_out, int cgroup_fd) {
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = flags;
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD; /* clone3 refuses a signal with CLONE_PARENT */
    if (pidfd_out) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = (uint64_t)(uintptr_t)pidfd_out;
    }
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int sr_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
int sr_pidfd_send_signal(int pidfd, int sig, unsigned int flags) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}
int sr_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}
int sr_faccessat_noflags(int dirfd, const char *path, int mode) { return (int)syscall(SYS_faccessat, dirfd, path, mode); }
int sr_wexitstatus(int s) { return WEXITSTATUS(s); }
int sr_wifsignaled(int s) { return WIFSIGNALED(s); }
int sr_wtermsig(int s) { return WTERMSIG(s); }

int sr_setns(int fd, int nstype) { return setns(fd, nstype); }
int sr_unshare(int flags) { return unshare(flags); }

int sr_pivot_root(const char *n, const char *o) { return (int)syscall(SYS_pivot_root, n, o); }
int sr_mount_setattr(int dfd, const char *path, unsigned int flags, uint64_t set, uint64_t clr,
                     uint64_t propagation, uint64_t userns_fd) {
    struct mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = propagation, .userns_fd = userns_fd};
    return (int)syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr));
}
int sr_open_tree(int dfd, const char *path, unsigned int flags) {
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}
int sr_move_mount(int fd, const char *fp, int td, const char *tp, unsigned int flags) {
    return (int)syscall(SYS_move_mount, fd, fp, td, tp, flags);
}
int sr_openat2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

int sr_prctl(int o, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
    return prctl(o, a2, a3, a4, a5);
}
int sr_capset(uint64_t e, uint64_t p, uint64_t i) {
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2] = {
        {.effective = (uint32_t)e, .permitted = (uint32_t)p, .inheritable = (uint32_t)i},
        {.effective = (uint32_t)(e >> 32), .permitted = (uint32_t)(p >> 32), .inheritable = (uint32_t)(i >> 32)},
    };
    return (int)syscall(SYS_capset, &h, d);
}
int sr_setresuid(uid_t r, uid_t e, uid_t s) { return setresuid(r, e, s); }
int sr_setresgid(gid_t r, gid_t e, gid_t s) { return setresgid(r, e, s); }
int sr_setgroups(size_t n, const gid_t *g) { return setgroups(n, g); }
int sr_sethostname(const char *n, size_t l) { return sethostname(n, l); }
int sr_setdomainname(const char *n, size_t l) { return setdomainname(n, l); }
int sr_prlimit(pid_t pid, int res, uint64_t soft, uint64_t hard) {
    struct rlimit r = {.rlim_cur = soft, .rlim_max = hard};
    return prlimit(pid, (__rlimit_resource_t)res, &r, NULL);
}

int sr_ioctl_int(int fd, unsigned long req, int arg) { return ioctl(fd, req, arg); }
int sr_ioctl_ptr(int fd, unsigned long req, void *arg) { return ioctl(fd, req, arg); }
int sr_set_ctty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }
int sr_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    return ioctl(fd, TIOCSWINSZ, &ws);
}

int sr_fcntl_int(int fd, int cmd, int arg) { return fcntl(fd, cmd, arg); }
int sr_open(const char *p, int f, unsigned int m) { return open(p, f, m); }
int sr_openat(int d, const char *p, int f, unsigned int m) { return openat(d, p, f, m); }

ssize_t sr_send_fd(int sock, int fd, const void *data, size_t len) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    memset(&u, 0, sizeof(u));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t r;
    do { r = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
    return r;
}

ssize_t sr_recv_fd(int sock, int *fd_out, void *data, size_t len) {
    struct iovec iov = {.iov_base = data, .iov_len = len};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof(u.buf);
    *fd_out = -1;
    ssize_t r;
    do { r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (r < 0 && errno == EINTR);
    if (r < 0) return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(c), sizeof(int));
    }
    return r;
}

_Static_assert(sizeof(sigset_t) <= SR_SIGSET_BUFFER_SIZE, "Swift's signal mask buffers are too small");
_Static_assert(sizeof(struct termios) <= SR_TERMIOS_BUFFER_SIZE, "Swift's termios buffers are too small");

int sr_block_all_signals(void *old) {
    sigset_t all;
    sigfillset(&all);
    return sigprocmask(SIG_BLOCK, &all, (sigset_t *)old);
}
int sr_restore_signals(const void *old) { return sigprocmask(SIG_SETMASK, (const sigset_t *)old, NULL); }
void sr_reset_signal_dispositions(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &sa, NULL);
}
int sr_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int sr_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }
int sr_join_session_keyring(const char *name) { return (int)syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name); }

int sr_signalfd_all(void) {
    sigset_t all;
    sigfillset(&all);
    return signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
}
int sr_signalfd_read(int fd, int *sender) {
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof(si));
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n != sizeof(si)) return 0;
    if (sender) *sender = (int)si.ssi_pid;
    return (int)si.ssi_signo;
}
int sr_tty_make_raw(int fd, void *saved) {
    struct termios t;
    if (tcgetattr(fd, &t) < 0) return -1;
    memcpy(saved, &t, sizeof(t));
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}
int sr_tty_restore(int fd, const void *saved) { return tcsetattr(fd, TCSANOW, (const struct termios *)saved); }
int sr_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}
int sr_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }

const int SR_F_GET_SEALS = F_GET_SEALS, SR_F_SEAL_WRITE = F_SEAL_WRITE, SR_AT_EMPTY_PATH = AT_EMPTY_PATH;
const int SR_F_ADD_SEALS = F_ADD_SEALS, SR_F_SEAL_SEAL = F_SEAL_SEAL, SR_F_SEAL_SHRINK = F_SEAL_SHRINK,
    SR_F_SEAL_GROW = F_SEAL_GROW;
const unsigned int SR_MFD_CLOEXEC = MFD_CLOEXEC, SR_MFD_ALLOW_SEALING = MFD_ALLOW_SEALING;
const int SR_NETLINK_ROUTE = NETLINK_ROUTE;
const unsigned long SR_TIOCSPTLCK = TIOCSPTLCK, SR_TIOCGPTPEER = TIOCGPTPEER;
const int SR_PR_SET_PDEATHSIG = PR_SET_PDEATHSIG, SR_PR_SET_KEEPCAPS = PR_SET_KEEPCAPS,
    SR_PR_CAPBSET_READ = PR_CAPBSET_READ, SR_PR_CAPBSET_DROP = PR_CAPBSET_DROP,
    SR_PR_SET_NO_NEW_PRIVS = PR_SET_NO_NEW_PRIVS, SR_PR_CAP_AMBIENT = PR_CAP_AMBIENT,
    SR_PR_CAP_AMBIENT_RAISE = PR_CAP_AMBIENT_RAISE, SR_PR_CAP_AMBIENT_CLEAR_ALL = PR_CAP_AMBIENT_CLEAR_ALL,
    SR_PR_GET_SECCOMP = PR_GET_SECCOMP, SR_PR_SET_CHILD_SUBREAPER = PR_SET_CHILD_SUBREAPER;

// glibc calls the functions of .init_array with (argc, argv, envp): the arguments as the kernel
// gave them, kept for sr_argc/sr_argv.
static int kept_argc;
static char **kept_argv;
static void keep_args(int argc, char **argv, char **envp) {
    (void)envp;
    kept_argc = argc;
    kept_argv = argv;
}
__attribute__((section(".init_array"), used)) static void (*const keep_args_entry)(int, char **, char **) = keep_args;
int sr_argc(void) { return kept_argc; }
char **sr_argv(void) { return kept_argv; }

int sr_fexecve(int fd, char *const argv[], char *const envp[]) {
    return (int)syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}
int sr_netlink_bind(int fd) {
    struct sockaddr_nl a;
    memset(&a, 0, sizeof(a));
    a.nl_family = AF_NETLINK;
    return bind(fd, (struct sockaddr *)&a, sizeof(a));
}
