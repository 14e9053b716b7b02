#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Plain fd operations for code outside LinuxSys (checkpoint/restore): dup, the status flags, a
/// write, waiting for a pidfd. (Closing is FDTable.close.)
public enum FD {
    /// A close-on-exec duplicate.
    public static func dup(_ fd: Int32, what: String) throws -> Int32 {
        try sys("fcntl(F_DUPFD_CLOEXEC)", what) { sr_fcntl_int(fd, F_DUPFD_CLOEXEC, 0) }
    }

    /// F_GETFL, or nil when `fd` is not open.
    public static func statusFlags(_ fd: Int32) -> Int32? {
        let f = sr_fcntl_int(fd, F_GETFL, 0)
        return f < 0 ? nil : f
    }

    /// One write(2) of `bytes`; the count written, or -1.
    @discardableResult
    public static func write(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Waits up to `timeoutMs` for the process behind `pidfd` to exit; true when it has.
    public static func waitExit(pidfd: Int32, timeoutMs: Int32) -> Bool {
        var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, timeoutMs) > 0
    }
}

extension FileIO {
    /// The inode number of `path` (following symlinks), as CRIU names namespaces: `net[INODE]`.
    public static func inode(_ path: String) throws -> UInt64 {
        var st = stat()
        if stat(path, &st) != 0 { throw SysError("stat", path) }
        return UInt64(st.st_ino)
    }

    /// rmdir(2): only an empty directory goes (never what is mounted on it).
    public static func removeEmptyDirectory(_ path: String) throws {
        if Glibc.rmdir(path) != 0 && errno != ENOENT { throw SysError("rmdir", path) }
    }
}

extension FD {
    /// As runc's reOpenDevNull, in the init after pivot_root: each of fds 0-2 that is the host's
    /// /dev/null (an engine's detached stdin, say) is replaced by the container's own /dev/null,
    /// so that CRIU, which can only dump files of the container's mounts, can checkpoint it. The
    /// container's node is used only if it is the null device itself (and exists).
    public static func reopenDevNullStdio() throws {
        var st = stat()
        for fd in Int32(0)...2 {
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFCHR, DeviceNumber(st.st_rdev) == .null else { continue }
            let n = sr_open("/dev/null", O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0)
            guard n >= 0 else { continue } // no /dev/null of its own: keep the host's
            defer { _ = Glibc.close(n) }
            var nst = stat()
            guard fstat(n, &nst) == 0, (nst.st_mode & S_IFMT) == S_IFCHR, DeviceNumber(nst.st_rdev) == .null else { continue }
            if dup2(n, fd) < 0 { throw SysError("dup2", "/dev/null onto fd \(fd)") }
        }
    }
}
