#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
@testable import Runtime

/// A sync socket pair for tests that hold both ends in one process, as numbers: the runtime's end
/// for `host` to own, the init's for an InitContext (as a `ChildFD`, which never closes it itself).
enum SyncEnds {
    static func make() throws -> (parent: Int32, child: Int32) {
        try UnixAddress.socketPair(type: Int32(SOCK_SEQPACKET.rawValue), name: "sync")
    }

    /// The runtime's end, owned (closed when it goes away).
    static func host(_ fd: Int32) -> HostSync { HostSync(socket: FileDescriptor(adopting: fd)) }

    /// Closes the init's end once the test is done with the context holding it.
    static func close(_ child: Int32) { ChildFD(adopting: child).close() }
}
