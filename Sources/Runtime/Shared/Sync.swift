#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Messages between the runtime (parent) and the container init (child) during `create`,
/// over a SOCK_SEQPACKET socketpair: one datagram per message, a tag byte then a UTF-8 payload.
/// Docs/ARCHITECTURE.md has the full table of who sends what, when.
enum SyncMessage: Equatable {
    /// parent → child: the init is in its cgroup; carry on.
    case proceed
    /// child → parent: a new user namespace exists; write its uid/gid maps.
    case mapRequest
    /// parent → child: maps written (or none needed); carry on.
    case mapped
    /// child → parent: the rootfs is mounted (before pivot_root): run prestart and createRuntime hooks.
    case runtimeHooks
    /// parent → child: those hooks succeeded.
    case runtimeHooksDone
    /// child → parent: everything is set up (the init no longer has a parent-death signal).
    case ready
    /// parent → child: the container is recorded as created; only now may the init outlive
    /// `create`. An init that reads EOF instead exits: its create died before it saved the state.
    case created
    /// either way: a fatal error: the message for the user, the errno (0 when none) and the
    /// code of the error, so the receiver rebuilds an error callers can switch on (crun sends
    /// the errno ahead of the text too).
    case error(String, errno: Int32 = 0, code: ErrorCode = .system)

    /// The `.error` for a thrown error, keeping its errno and code.
    static func failure(_ e: Error) -> SyncMessage {
        let c = e as? ErrnoCarrying
        return .error("\(e)", errno: c?.carriedErrno ?? 0, code: c?.code ?? (e is SpecError ? .invalidConfig : .system))
    }

    /// An `.error` as the error to throw on the receiving side; nil for the other messages.
    var runtimeError: RuntimeError? {
        guard case .error(let s, let e, let code) = self else { return nil }
        return RuntimeError(s, errno: e == 0 ? nil : e, code: code)
    }

    var tag: UInt8 {
        switch self {
        case .mapRequest: return 1
        case .mapped: return 2
        case .runtimeHooks: return 3
        case .runtimeHooksDone: return 4
        case .ready: return 5
        case .error: return 6
        case .proceed: return 7
        case .created: return 8
        }
    }
}

/// One end of the sync socket. The runtime's ends own their socket (`FileDescriptor`: closed when
/// the channel goes away); a clone3 child's end is a `ChildFD`, closed only by `close()` or its
/// exec (the socket is close-on-exec: `exec` takes that EOF for "exec'd"), never early by a
/// `deinit` on the child's path to execve.
struct SyncChannel<Socket: FileDescriptorHolder & ~Copyable>: ~Copyable {
    let socket: Socket

    var fd: Int32 { socket.rawValue }

    func send(_ m: SyncMessage) throws {
        var bytes = [m.tag]
        if case .error(let s, let e, let code) = m {
            // errno (4 bytes, little-endian), code (1 byte), then the text.
            bytes += withUnsafeBytes(of: e.littleEndian) { Array($0) } + [code.rawValue]
            bytes += Array(s.utf8.prefix(60000))
        }
        let r = FDPassing.send(fd, bytes)
        if r < 0 { throw SysError("send", "sync socket") }
    }

    /// Next message, or nil when the other side closed (exited) without a word.
    func receive() throws -> SyncMessage? {
        var buf = [UInt8](repeating: 0, count: 65536)
        let (n, gotFD) = FDPassing.receive(fd, into: &buf)
        // No message carries an fd: one sent anyway is ours now, and dropped.
        if gotFD >= 0 { FileDescriptor(adopting: gotFD).close() }
        if n < 0 { throw SysError("recv", "sync socket") }
        if n == 0 { return nil }
        switch buf[0] {
        case 1: return .mapRequest
        case 2: return .mapped
        case 3: return .runtimeHooks
        case 4: return .runtimeHooksDone
        case 5: return .ready
        case 6:
            guard n >= 6 else { return .error(String(decoding: buf[1..<n], as: UTF8.self)) }
            let e = Int32(littleEndian: buf[1..<5].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
            return .error(String(decoding: buf[6..<n], as: UTF8.self), errno: e, code: ErrorCode(rawValue: buf[5]) ?? .system)
        case 7: return .proceed
        case 8: return .created
        default: throw RuntimeError("sync socket: unknown message tag \(buf[0])")
        }
    }

    /// Receives and insists on one message; an `.error` becomes a thrown RuntimeError.
    func expect(_ want: SyncMessage, peer: String) throws {
        guard let m = try receive() else { throw RuntimeError("\(peer) exited unexpectedly") }
        if let e = m.runtimeError { throw e }
        if m != want { throw RuntimeError("sync: expected \(want), got \(m)") }
    }
}

/// The runtime's end of the sync socket.
typealias HostSync = SyncChannel<FileDescriptor>
/// A clone3 child's end (the init, exec's child, the joining child).
typealias ChildSync = SyncChannel<ChildFD>

/// A connected SOCK_SEQPACKET pair, both close-on-exec, made before clone3 and taken apart on
/// each side of it: `inChild()` in the child's branch, `inParent()` in ours. Each process then
/// holds exactly one end, and each end the other process holds is closed exactly once.
struct SyncPair: ~Copyable {
    var parent: HostSync
    var child: HostSync

    init() throws {
        let (a, b) = try UnixAddress.socketPair(type: Int32(SOCK_SEQPACKET.rawValue), name: "sync")
        parent = SyncChannel(socket: FileDescriptor(adopting: a))
        child = SyncChannel(socket: FileDescriptor(adopting: b))
    }

    /// In the child: the runtime's end closes now; the child's is the child's own (a `ChildFD`).
    consuming func inChild() -> ChildSync {
        parent.close()
        return child.forChild()
    }

    /// In the runtime, once clone3 is done: the child's end closes now (the child has its copy;
    /// ours would hide the child's silent death from `receive`); ours stays, owned.
    consuming func inParent() -> HostSync {
        child.close()
        return parent
    }
}

extension SyncChannel where Socket == FileDescriptor {
    /// The child's end as the child holds it (in the child's branch after clone3).
    consuming func forChild() -> ChildSync { SyncChannel<ChildFD>(socket: ChildFD(socket)) }

    /// Closes now (the same as letting the channel go away).
    consuming func close() {}
}

extension SyncChannel where Socket == ChildFD {
    /// Closes the child's end now.
    consuming func close() { socket.close() }
}
