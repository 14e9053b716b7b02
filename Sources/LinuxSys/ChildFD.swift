#if canImport(Glibc)
import Glibc
#endif

/// What owns an fd number: `FileDescriptor` (closes in `deinit`) or `ChildFD` (closes only when
/// told). Lets a type such as the sync channel hold either.
public protocol FileDescriptorHolder: ~Copyable {
    var rawValue: Int32 { get }
}

extension FileDescriptor: FileDescriptorHolder {}

/// An fd held by a process that never returns: a clone3 child on its way to execve or _exit
/// (the container init, exec's child, the joining child). Move-only like `FileDescriptor`, so it
/// is closed at most once and never used after `close()`, but it has no `deinit`: on a path that
/// ends in a `Never` call the compiler may end a value's life at its last use, before the call,
/// and a `deinit` there would close the fd under the child (an `exec -t` console, the sync socket
/// `exec` waits on for EOF). A `ChildFD` is closed where the child says so, or else by execve
/// (every fd is close-on-exec) or the child's exit.
///
/// The parent makes the child's copy with `init(_:)` right after clone3, in the child's branch:
/// that consumes the parent's owned value there, so the compiler cannot close it in the child
/// either. In the parent's branch the same `FileDescriptor` is the parent's copy, closed when it
/// goes away.
public struct ChildFD: ~Copyable, FileDescriptorHolder {
    public let rawValue: Int32

    /// The child's copy of a descriptor its parent owned (in the child, after clone3).
    public init(_ fd: consuming FileDescriptor) { rawValue = fd.release() }

    /// An fd the never-returning process opened itself (an accepted connection, a pipe end).
    public init(adopting fd: Int32) { rawValue = fd }

    /// Closes now.
    public consuming func close() { _ = Glibc.close(rawValue) }

    /// Gives up ownership: the number is the caller's (it goes with execve or exit).
    public consuming func release() -> Int32 { rawValue }
}

extension Optional where Wrapped == ChildFD {
    /// The fd number, borrowed; nil when there is none.
    public var rawValue: Int32? {
        switch self {
        case .some(let fd): return fd.rawValue
        case .none: return nil
        }
    }

    /// Closes the fd, if any, leaving nil.
    public mutating func close() { take()?.close() }
}

extension Optional where Wrapped == FileDescriptor {
    /// The child's copy (`ChildFD.init`), if any; nil stays nil. Consumes the parent's value.
    public consuming func forChild() -> ChildFD? {
        guard let fd = take() else { return nil }
        return ChildFD(fd)
    }
}

extension FileDescriptorMap where Key == Int {
    /// The child's copies (`ChildFD`s), after clone3 in the child's branch.
    public consuming func forChild() -> ChildFDMap { ChildFDMap(numbers: release()) }
}

/// `FileDescriptorMap`'s counterpart in a process that never returns (see `ChildFD`): no `deinit`,
/// closed only by `close()`, execve or exit.
public struct ChildFDMap: ~Copyable {
    public private(set) var numbers: [Int: Int32]

    public init(numbers: [Int: Int32] = [:]) { self.numbers = numbers }

    public var isEmpty: Bool { numbers.isEmpty }

    /// Closes them all now, leaving the map empty.
    public mutating func close() {
        for fd in numbers.values { _ = Glibc.close(fd) }
        numbers = [:]
    }
}

/// `OwnedPipe`'s counterpart in a process that never returns (see `ChildFD`): both ends, no `deinit`.
@frozen public struct ChildPipe: ~Copyable {
    public var read: ChildFD
    public var write: ChildFD

    public init(read: consuming ChildFD, write: consuming ChildFD) {
        self.read = read
        self.write = write
    }
}

extension OwnedPipe {
    /// The child's copies (`ChildFD`s), after clone3 in the child's branch.
    public consuming func forChild() -> ChildPipe { ChildPipe(read: ChildFD(read), write: ChildFD(write)) }
}

/// A process this one cloned, with the pidfd clone3 gave (owned: closed when this goes away).
@frozen public struct ChildProcess: ~Copyable {
    public let pid: pid_t
    public let pidfd: FileDescriptor

    public init(pid: pid_t, pidfd: consuming FileDescriptor) {
        self.pid = pid
        self.pidfd = pidfd
    }
}
