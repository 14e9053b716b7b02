#if canImport(Glibc)
import Glibc
#endif
import CShim

/// A connected pair of AF_UNIX SOCK_SEQPACKET sockets: one datagram per message, with an optional
/// fd passed alongside (SCM_RIGHTS). CRIU's `swrk` RPC runs over one.
public enum SeqPacket {
    /// Both ends close-on-exec; the end given to another program is dup'ed into it (Spawn).
    public static func pair(_ what: String) throws -> (Int32, Int32) {
        var p: [Int32] = [-1, -1]
        try sys("socketpair", what) {
            socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &p)
        }
        return (p[0], p[1])
    }

    public static func send(_ fd: Int32, _ bytes: [UInt8], what: String) throws {
        let n = bytes.withUnsafeBytes { b in
            var r: Int
            repeat { r = Glibc.send(fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL)) } while r < 0 && errno == EINTR
            return r
        }
        if n < 0 { throw SysError("send", what) }
        if n != bytes.count { throw SysError("send", what, errno: EMSGSIZE) }
    }

    /// One message and the fd that came with it (close-on-exec). nil at EOF (the peer closed).
    public static func receive(_ fd: Int32, max: Int = 1 << 16, what: String) throws -> (data: [UInt8], fd: Int32?)? {
        var buf = [UInt8](repeating: 0, count: max)
        var passed: Int32 = -1
        let n = buf.withUnsafeMutableBytes { sr_recv_fd(fd, &passed, $0.baseAddress, $0.count) }
        if n < 0 { throw SysError("recvmsg", what) }
        if n == 0 && passed < 0 { return nil }
        return (Array(buf[..<n]), passed >= 0 ? passed : nil)
    }

    /// Half-close: the peer reads EOF.
    public static func shutdownWrite(_ fd: Int32) { _ = shutdown(fd, Int32(SHUT_WR)) }
}
