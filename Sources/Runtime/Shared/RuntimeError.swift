import LinuxSys
import OCISpec

/// The Runtime module's error: what failed, in words an engine can show the user (the CLI prints
/// `description`, which is `message`, unchanged), a code callers switch on, the errno when a
/// syscall was the cause, and the typed cause itself (containerization's ContainerizationError:
/// code, message, cause). Wrapping keeps the cause's errno and code (`ErrnoCarrying`).
public struct RuntimeError: ErrnoCarrying {
    public let code: ErrorCode
    public let message: String
    public let errno: Int32?
    /// The error this one wraps, as it was thrown (a SysError, RootfsError, CgroupError, ...).
    public let cause: (any Error)?

    /// `code` defaults to what the errno implies (ENOENT: notFound, EEXIST: exists, else system).
    public init(_ message: String, errno: Int32? = nil, code: ErrorCode? = nil) {
        self.message = message
        self.errno = errno
        self.code = code ?? ErrorCode(errno: errno)
        self.cause = nil
    }

    /// Wraps any error with a context prefix: "create container x: <cause>". The errno and the
    /// code are the cause's (a SpecError is invalidConfig) unless `code` is given.
    public init(_ context: String, cause: Error, code: ErrorCode? = nil) {
        self.message = "\(context): \(cause)"
        let carried = cause as? ErrnoCarrying
        self.errno = carried?.carriedErrno
        self.code = code ?? carried?.code ?? (cause is SpecError ? .invalidConfig : .system)
        self.cause = cause
    }

    public var carriedErrno: Int32? { errno }
    public var description: String { message }

    /// The innermost cause of type `T`, if the chain has one (e.g. the RootfsError under a
    /// RuntimeError from create).
    public func cause<T: Error>(as type: T.Type) -> T? {
        var e: (any Error)? = cause
        while let cur = e {
            if let t = cur as? T { return t }
            e = (cur as? RuntimeError)?.cause
        }
        return nil
    }
}
