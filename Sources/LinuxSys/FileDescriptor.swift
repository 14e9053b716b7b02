#if canImport(Glibc)
import Glibc
#endif

/// An owned file descriptor: closed exactly once, when the value goes away, unless it is handed
/// on with `release()` (swift-system's `FileDescriptor` and `closeAfter`, made move-only so the
/// compiler, not a `-1` sentinel and a hand-written `close`, tracks who owns it).
///
/// Borrow the number with `rawValue` for a syscall; never close that number yourself.
public struct FileDescriptor: ~Copyable {
    public let rawValue: Int32

    /// Takes ownership of `fd` (which must be open).
    public init(adopting fd: Int32) { rawValue = fd }

    /// Takes ownership of what a syscall-style call returned; nil (errno as the call left it)
    /// when that was negative, for callers that branch on the errno instead of throwing.
    public init?(adoptingResult fd: Int32) {
        guard fd >= 0 else { return nil }
        rawValue = fd
    }

    /// Takes ownership of what a syscall-style call returned, or throws its errno as a SysError
    /// naming `op` and `object`.
    public init(_ op: String, _ object: String = "", _ call: () -> Int32) throws {
        rawValue = try sys(op, object, call)
    }

    deinit { _ = Glibc.close(rawValue) }

    /// Gives up ownership: the caller now closes the fd (or passes it to one who will).
    public consuming func release() -> Int32 {
        let fd = rawValue
        discard self
        return fd
    }

    /// Closes now (the same as letting the value go out of scope).
    public consuming func close() {}
}

extension Optional where Wrapped == FileDescriptor {
    /// The fd number of an optional owned fd, borrowed (`fallback`, -1 by default, when nil).
    public func raw(or fallback: Int32 = -1) -> Int32 {
        switch self {
        case .some(let fd): return fd.rawValue
        case .none: return fallback
        }
    }

    /// Gives up ownership of the fd, if any (`FileDescriptor.release`), leaving nil; -1 when
    /// there was none. For a number that must outlive this value, e.g. across clone3 into a
    /// child that never returns: there the compiler may end the value's life at its last use,
    /// before a `Never` call, so a borrowed `raw()` would be closed under the child.
    public mutating func release() -> Int32 {
        guard let fd = take() else { return -1 }
        return fd.release()
    }
}
