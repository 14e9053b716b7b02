#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The loopback device of a network namespace the runtime creates: a new namespace has `lo`
/// down, and programs that talk to 127.0.0.1 expect it up (runc sets it up too). A namespace
/// joined by path is the caller's to configure and is left alone.
enum Loopback {
    static func up() throws {
        do {
            var nl = try Netlink()
            // lo is always index 1 (LOOPBACK_IFINDEX); looked up anyway, by name.
            let index = try nl.index(of: "lo") ?? 1
            var m = Netlink.Message(type: Netlink.RTM_NEWLINK, flags: 0)
            m.ifinfo(index: index, flags: Netlink.IFF_UP, change: Netlink.IFF_UP)
            try nl.request(m, op: "RTM_NEWLINK")
        } catch {
            throw RuntimeError("linux.namespaces: network: set the loopback device up", cause: error)
        }
    }
}
