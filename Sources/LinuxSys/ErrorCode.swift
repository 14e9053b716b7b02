#if canImport(Glibc)
import Glibc
#endif

/// What kind of failure an error is, for callers that must branch on it (containerization's
/// `ContainerizationError.Code`, crun's error status): switch on this, never on the message or
/// on `errno == ENOENT`.
public enum ErrorCode: UInt8, Sendable, Equatable, CaseIterable {
    /// The container (or the object named) does not exist.
    case notFound
    /// It already exists.
    case exists
    /// The container is not in a state that allows the operation.
    case invalidState
    /// The configuration (config.json, a flag) is wrong; the message names the field.
    case invalidConfig
    /// A system call or the system failed.
    case system

    /// The code an errno implies when nothing more specific is known.
    public init(errno: Int32?) {
        switch errno {
        case ENOENT?: self = .notFound
        case EEXIST?: self = .exists
        default: self = .system
        }
    }
}

/// The protocol every module's error type adopts (SysError, FileError, ProcFSError, Errno,
/// RootfsError, CgroupError, SeccompError, RuntimeError), so that wrapping one error in another
/// never drops the errno or the code: `RuntimeError(context, cause:)` reads them from here.
public protocol ErrnoCarrying: Error, CustomStringConvertible {
    /// The errno of the failed system call, nil when the error is not one.
    var carriedErrno: Int32? { get }
    var code: ErrorCode { get }
}

extension ErrnoCarrying {
    public var code: ErrorCode { ErrorCode(errno: carriedErrno) }
}

extension Errno: ErrnoCarrying {
    public var carriedErrno: Int32? { rawValue }
}

extension SysError: ErrnoCarrying {
    public var carriedErrno: Int32? { errno }
}

extension FileError: ErrnoCarrying {
    public var carriedErrno: Int32? { errno }
    /// A file of the wrong type or size where the runtime reads one it was given (config.json).
    public var code: ErrorCode { .invalidConfig }
}

extension ProcFSError: ErrnoCarrying {
    public var carriedErrno: Int32? { errno }
}
