#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Bytes, with at most one fd attached (SCM_RIGHTS), over a connected unix socket. Neither call
/// allocates unless it throws, so both are usable in the container init after its seccomp filter.
public enum SocketIO {
    /// A NETLINK_ROUTE socket (close-on-exec) bound in the calling thread's network namespace.
    public static func netlinkRoute() throws -> Int32 {
        let fd = try sys("socket", "netlink route") {
            socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), SR_NETLINK_ROUTE)
        }
        do { try sys("socket", "netlink route") { sr_netlink_bind(fd) } } catch {  // one message for both steps, as before
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// sendmsg(MSG_NOSIGNAL) of `bytes` (at least one byte) with `fd` attached when it is >= 0;
    /// EINTR is retried. Returns how many bytes went.
    @discardableResult
    public static func send(_ sock: Int32, _ bytes: UnsafeRawBufferPointer, fd: Int32 = -1) throws -> Int {
        let n = sr_send_fd(sock, fd, bytes.baseAddress!, bytes.count)
        if n < 0 { throw SysError("sendmsg", "fd \(sock)") }
        return n
    }

    /// recvmsg(MSG_CMSG_CLOEXEC) into `buffer`: the bytes received and the fd that came with them
    /// (-1 when none did); EINTR is retried.
    public static func receive(_ sock: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> (count: Int, fd: Int32) {
        var fd: Int32 = -1
        let n = sr_recv_fd(sock, &fd, buffer.baseAddress!, buffer.count)
        if n < 0 { throw SysError("recvmsg", "fd \(sock)") }
        return (n, fd)
    }
}
