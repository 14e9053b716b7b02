#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The one error type of the rootfs stage: an errno plus context naming the mount, device or
/// path, e.g. `mount proc to /proc (in rootfs /x/rootfs): operation not permitted`.
public struct RootfsError: Error, CustomStringConvertible, Equatable {
    public let errno: Int32
    /// "mount proc to /proc (in rootfs /x/rootfs)", "mknod /dev/foo", ...
    public let context: String
    /// Extra text used instead of strerror (for errors that are not a failed syscall).
    public let detail: String?

    public init(_ context: String, errno: Int32 = Glibc.errno, detail: String? = nil) {
        self.context = context
        self.errno = errno
        self.detail = detail
    }

    /// Re-labels a SysError from LinuxSys with this stage's context, keeping its errno.
    init(_ context: String, _ e: SysError) {
        self.init(context, errno: e.errno, detail: nil)
    }

    public var description: String {
        "\(context): \(detail ?? Errno.describe(errno))"
    }
}

/// Runs a syscall-style closure, retrying EINTR, throwing RootfsError(context()) on -1.
/// `context` is an autoclosure so the hot path builds no strings.
@discardableResult
@inline(__always)
func check<T: FixedWidthInteger>(_ context: @autoclosure () -> String, _ call: () -> T) throws -> T {
    switch valueOrErrno(call) {
    case .success(let r): return r
    case .failure(let e): throw RootfsError(context(), errno: e.rawValue)
    }
}

/// Like `check` for a call that returns a new fd: the fd, owned.
@inline(__always)
func checkFD(_ context: @autoclosure () -> String, _ call: () -> Int32) throws -> FileDescriptor {
    FileDescriptor(adopting: try check(context(), call))
}

extension RootfsError: ErrnoCarrying {
    public var carriedErrno: Int32? { errno }
}
