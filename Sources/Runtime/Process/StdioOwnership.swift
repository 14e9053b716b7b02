#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The owner of fds 0-2 as the process gets them. A pipe or FIFO the engine passed (and the
/// container's own terminal) is given to process.user.uid, so a non-root program can reopen it
/// through /dev/stdout or /proc/self/fd/N (the kernel checks the inode's owner on that open).
/// Only the uid changes; the group stays (devpts' "tty"), as runc does. /dev/null, files,
/// sockets and a tty the runtime was itself given are left alone: they are not the container's.
/// Runs while the process still has CAP_CHOWN, before process.user is applied.
enum StdioOwnership {
    static func give(to uid: uid_t, terminal: Bool, kernel k: any Kernel) throws {
        for fd in Int32(0)...2 {
            var st = FileStat()
            guard k.fstat(fd, &st) == 0, st.st_uid != uid else { continue }
            let kind = st.st_mode & S_IFMT
            guard kind == S_IFIFO || (terminal && kind == S_IFCHR && k.isatty(fd)) else { continue }
            if k.fchown(fd, uid, gid_t.max) != 0 {
                let e = errno
                // EINVAL: the group is not mapped in the user namespace; EPERM: the owner is not
                // (a pipe of the host's root). The fd then stays as it is, as with runc.
                if e == EINVAL || e == EPERM { continue }
                throw RuntimeError("fchown fd \(fd) to process.user.uid \(uid)", cause: SysError("fchown", "fd \(fd)", errno: e))
            }
        }
    }
}
