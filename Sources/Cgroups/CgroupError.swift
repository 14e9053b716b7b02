#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A cgroup operation failure: the errno (0 when not a system error) and a message naming the file,
/// e.g. `write memory.max in /sys/fs/cgroup/x: invalid argument`.
public struct CgroupError: Error, CustomStringConvertible, Equatable {
    public let errno: Int32
    public let message: String

    public init(_ message: String, errno: Int32 = 0) {
        self.message = message
        self.errno = errno
    }

    /// `<op> <file> in <dir>: <strerror>`.
    public init(op: String, file: String, dir: String, errno: Int32) {
        self.init("\(op) \(file) in \(dir): \(Errno.describe(errno))", errno: errno)
    }

    public var description: String { message }
}

extension CgroupError: ErrnoCarrying {
    /// nil when the error is not a system error (errno 0).
    public var carriedErrno: Int32? { errno == 0 ? nil : errno }
}
