#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSys
import OCISpec

extension Seccomp {
    /// config-linux.md "listenerPath": connects a SOCK_STREAM unix socket to `path`, sends the
    /// container process state as JSON with the notify fd attached (SCM_RIGHTS) to the first
    /// sendmsg, sends any remainder without fds, then closes the connection (exactly one state per
    /// connection). `state.fds` is set to `["seccompFd"]`, naming the single fd sent.
    public static func sendToListener(path: String, state: ContainerProcessState, notifyFD: Int32) throws {
        let payload = try listenerPayload(state)
        let sock: Int32
        do { sock = try UnixAddress.connect(path, type: Int32(SOCK_STREAM.rawValue)) } catch let err as SysError {
            throw SeccompError("connecting to seccomp listener \(path)", errno: err.errno)
        }
        defer { FileSystem.close(sock) }
        try send(socket: sock, payload: payload, notifyFD: notifyFD, name: path)
    }

    /// The JSON the listener receives (fds forced to ["seccompFd"]); encode it before installing a
    /// filter so that sending needs nothing but sendmsg.
    public static func listenerPayload(_ state: ContainerProcessState) throws -> [UInt8] {
        var st = state
        st.fds = ["seccompFd"]
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        do { return Array(try e.encode(st)) } catch {
            throw SeccompError("encoding the container process state: \(error)", errno: EINVAL, isConfigError: true)
        }
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
