#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Plain fd operations for code outside LinuxSys (checkpoint/restore): close, dup, the status
/// flags, a write, waiting for a pidfd.
public enum FD {
    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

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
