#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A seccomp failure. `context` says what failed; for configuration errors it starts with the
/// JSON path of the offending value (`linux.seccomp.syscalls[2].action: unknown action "X"`).
/// `errno` is the error number (EINVAL for configuration errors, which have `isConfigError`).
public struct SeccompError: Error, CustomStringConvertible, Equatable {
    public let errno: Int32
    public let context: String
    /// True when the message is complete in itself (a configuration error), false when the errno
    /// text should be appended (a failed system or library call).
    public let isConfigError: Bool

    public init(_ context: String, errno: Int32, isConfigError: Bool = false) {
        self.context = context
        self.errno = errno
        self.isConfigError = isConfigError
    }

    static func config(_ message: String) -> SeccompError {
        SeccompError(message, errno: EINVAL, isConfigError: true)
    }

    public var description: String {
        isConfigError ? context : "\(context): \(Errno.describe(errno))"
    }
}

extension SeccompError: ErrnoCarrying {
    public var carriedErrno: Int32? { errno }
    public var code: ErrorCode { isConfigError ? .invalidConfig : ErrorCode(errno: errno) }
}
