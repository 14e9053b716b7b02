#if canImport(Glibc)
import Glibc
#endif
import CShim

/// A sockaddr_un for a filesystem path.
public struct UnixAddress {
    var addr = sockaddr_un()

    public init(_ path: String) throws {
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let cap = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < cap else { throw SysError("socket path too long", path, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            p.copyBytes(from: bytes)
            p[bytes.count] = 0
        }
    }

    public mutating func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Connects a new SOCK_SEQPACKET/SOCK_STREAM socket to `path`.
    public static func connect(_ path: String, type: Int32) throws -> Int32 {
        let fd = try sys("socket", path) { socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var a = try UnixAddress(path)
            try sys("connect", path) { a.withSockaddr { Glibc.connect(fd, $0, $1) } }
        } catch { close(fd); throw error }
        return fd
    }

    /// Sends `fd` (SCM_RIGHTS) with `data` as the message over the connected socket `sock`.
    public static func sendFD(_ sock: Int32, _ fd: Int32, data: [UInt8], what: String) throws {
        let n = data.withUnsafeBytes { sr_send_fd(sock, fd, $0.baseAddress, $0.count) }
        if n < 0 { throw SysError("sendmsg", what) }
    }
}
