#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

extension Seccomp {
    /// config-linux.md "listenerPath": the init connects a SOCK_STREAM unix socket to it, then
    /// sends the container process state as JSON (`listenerPayload`) with the notify fd attached
    /// (SCM_RIGHTS) to the first sendmsg and any remainder without fds (`send`), then closes the
    /// connection: exactly one state per connection. `state.fds` is `["seccompFd"]`, naming the
    /// single fd sent.
    /// The JSON the listener receives (fds forced to ["seccompFd"]); encode it before installing a
    /// filter so that sending needs nothing but sendmsg.
    public static func listenerPayload(_ state: ContainerProcessState) throws -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.member("ociVersion", state.ociVersion)
        w.member("fds", ["seccompFd"])
        w.member("pid", state.pid)
        w.member("metadata", state.metadata)
        w.key("state")
        w.state(state.state, sorted: false)
        w.endObject()
        return w.bytes
    }

    /// Sends `payload` with `notifyFD` (SCM_RIGHTS on the first chunk) over a connected socket.
    public static func send(socket sock: Int32, payload: [UInt8], notifyFD: Int32, name: String) throws {
        try payload.withUnsafeBytes { buf in
            var sent: Int
            do { sent = try SocketIO.send(sock, buf, fd: notifyFD) } catch let e as SysError {
                throw SeccompError("sending seccomp fd to listener \(name)", errno: e.errno)
            }
            while sent < buf.count {
                do { sent += try SocketIO.send(sock, UnsafeRawBufferPointer(rebasing: buf[sent...])) } catch let e as SysError {
                    throw SeccompError("sending container process state to listener \(name)", errno: e.errno)
                }
            }
        }
    }
}
