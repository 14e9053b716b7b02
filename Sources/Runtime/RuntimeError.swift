import LinuxSys

/// The Runtime module's error: what failed, in words an engine can show the user, plus the errno
/// when a syscall was the cause.
public struct RuntimeError: Error, CustomStringConvertible {
    public let message: String
    public let errno: Int32?

    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    /// Wraps any error with a context prefix: "create container x: <cause>".
    public init(_ context: String, cause: Error) {
        self.message = "\(context): \(cause)"
        self.errno = (cause as? SysError)?.errno ?? (cause as? RuntimeError)?.errno ?? (cause as? FileError)?.errno
    }

    public var description: String { message }
}
