#if canImport(Glibc)
import Glibc
#endif

/// An errno value as a type (swift-system's `Errno` model): what a failed syscall left in
/// `errno`, comparable by name (`e == .ENOENT`) instead of by a bare Int32, and printable in Go's
/// wording (`no such file or directory`), which runc's callers match on.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno now.
    public static var current: Errno { Errno(Glibc.errno) }

    public static let EPERM = Errno(Glibc.EPERM)
    public static let ENOENT = Errno(Glibc.ENOENT)
    public static let ESRCH = Errno(Glibc.ESRCH)
    public static let EINTR = Errno(Glibc.EINTR)
    public static let EIO = Errno(Glibc.EIO)
    public static let EBADF = Errno(Glibc.EBADF)
    public static let EAGAIN = Errno(Glibc.EAGAIN)
    public static let EACCES = Errno(Glibc.EACCES)
    public static let EBUSY = Errno(Glibc.EBUSY)
    public static let EEXIST = Errno(Glibc.EEXIST)
    public static let EXDEV = Errno(Glibc.EXDEV)
    public static let ENOTDIR = Errno(Glibc.ENOTDIR)
    public static let EISDIR = Errno(Glibc.EISDIR)
    public static let EINVAL = Errno(Glibc.EINVAL)
    public static let ENOSPC = Errno(Glibc.ENOSPC)
    public static let EPIPE = Errno(Glibc.EPIPE)
    public static let ENAMETOOLONG = Errno(Glibc.ENAMETOOLONG)
    public static let ENOSYS = Errno(Glibc.ENOSYS)
    public static let ELOOP = Errno(Glibc.ELOOP)
    public static let ECONNRESET = Errno(Glibc.ECONNRESET)

    public var description: String { Errno.describe(rawValue) }

    /// strerror text with a lower-case first letter, as Go prints it.
    public static func describe(_ e: Int32) -> String {
        guard let c = strerror(e) else { return "errno \(e)" }
        // strerror's texts are ASCII: lower-case the first byte without Character's Unicode tables.
        var bytes = Array(String(cString: c).utf8)
        if let f = bytes.first, f >= UInt8(ascii: "A"), f <= UInt8(ascii: "Z") { bytes[0] = f + 32 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The one way a syscall-style result becomes a value or an errno (swift-system's
/// `valueOrErrno(retryOnInterrupt:)`): `call` returns -1 with errno set on failure; EINTR is
/// retried unless `retryOnInterrupt` is false. Every throwing wrapper (`sys`, Rootfs' `check`)
/// goes through here.
@inline(__always)
public func valueOrErrno<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> T) -> Result<T, Errno> {
    while true {
        let r = call()
        if r != -1 { return .success(r) }
        let e = Glibc.errno
        if e == Glibc.EINTR && retryOnInterrupt { continue }
        return .failure(Errno(e))
    }
}
