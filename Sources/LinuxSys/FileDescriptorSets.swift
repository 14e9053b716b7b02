#if canImport(Glibc)
import Glibc
#endif

/// The two ends of a pipe2(O_CLOEXEC), each owned. The ends are consumed one by one (a reader
/// closes `write`, a forked child releases `read` after dup2'ing it onto stdin).
@frozen public struct OwnedPipe: ~Copyable {
    public var read: FileDescriptor
    public var write: FileDescriptor

    /// pipe2(O_CLOEXEC); errors name `name`.
    public init(_ name: String) throws {
        let (r, w) = try FileIO.pipe(name)
        read = FileDescriptor(adopting: r)
        write = FileDescriptor(adopting: w)
    }
}

/// Owned fds in the order they were added, all closed when the value goes away: what an
/// `Array` of `FileDescriptor` would be (Array holds only copyable elements). `rawValues`
/// borrows the numbers, e.g. for a child that inherits them by position.
public struct FileDescriptorList: ~Copyable {
    public private(set) var rawValues: [Int32] = []

    public init() {}

    deinit { for fd in rawValues { _ = Glibc.close(fd) } }

    public var count: Int { rawValues.count }

    /// Takes ownership of `fd`, at the end of the list.
    public mutating func append(_ fd: consuming FileDescriptor) { rawValues.append(fd.release()) }

    /// Gives up ownership of every fd (the caller now closes them), in order.
    public consuming func release() -> [Int32] {
        let fds = rawValues
        rawValues = []
        return fds
    }
}

/// Owned fds by key (a mount's index in config.json, ...), all closed when the value goes away.
/// `rawValues` borrows the numbers, e.g. for a config a clone3 child reads; the child, which
/// has copies of them, hands them over with `release()` or closes them by letting its own
/// `FileDescriptorMap(adopting:)` go.
public struct FileDescriptorMap<Key: Hashable>: ~Copyable {
    public private(set) var rawValues: [Key: Int32] = [:]

    public init() {}

    /// Takes ownership of every fd in `fds` (which must be open).
    public init(adopting fds: [Key: Int32]) { rawValues = fds }

    deinit { for fd in rawValues.values { _ = Glibc.close(fd) } }

    public var count: Int { rawValues.count }
    public var keys: Dictionary<Key, Int32>.Keys { rawValues.keys }

    /// Takes ownership of `fd` under `key`; an fd already there is closed.
    public mutating func insert(_ fd: consuming FileDescriptor, for key: Key) {
        if let old = rawValues.updateValue(fd.release(), forKey: key) { _ = Glibc.close(old) }
    }

    /// Gives up ownership of every fd (the caller now closes them).
    public consuming func release() -> [Key: Int32] {
        let fds = rawValues
        rawValues = [:]
        return fds
    }
}
