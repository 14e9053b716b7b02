#if canImport(Glibc)
import Glibc
#endif

/// An error from a system call: the errno, the operation, and the object it acted on.
/// `description` reads like Go's `*PathError` so engines that match runc's wording keep working:
/// `mount /proc: operation not permitted`.
public struct SysError: Error, CustomStringConvertible, Equatable {
    public let errno: Int32
    public let op: String
    public let object: String

    public init(_ op: String, _ object: String = "", errno: Int32 = Glibc.errno) {
        self.op = op
        self.object = object
        self.errno = errno
    }

    public var description: String {
        object.isEmpty ? "\(op): \(Errno.describe(errno))" : "\(op) \(object): \(Errno.describe(errno))"
    }
}

/// Runs a syscall-style closure, retrying on EINTR, and throws a SysError when it returns -1.
@discardableResult
@inline(__always)
public func sys<T: FixedWidthInteger>(_ op: String, _ object: String = "", _ call: () -> T) throws -> T {
    switch valueOrErrno(call) {
    case .success(let r): return r
    case .failure(let e): throw SysError(op, object, errno: e.rawValue)
    }
}
