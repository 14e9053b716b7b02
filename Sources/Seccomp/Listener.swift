#if canImport(Glibc)
import Glibc
#endif
import CShim
import FoundationEssentials
import LinuxSys
import OCISpec

extension Seccomp {
    /// config-linux.md "listenerPath": connects a SOCK_STREAM unix socket to `path`, sends the
    /// container process state as JSON with the notify fd attached (SCM_RIGHTS) to the first
    /// sendmsg, sends any remainder without fds, then closes the connection (exactly one state per
    /// connection). `state.fds` is set to `["seccompFd"]`, naming the single fd sent.
    public static func sendToListener(path: String, state: ContainerProcessState, notifyFD: Int32) throws {
        var st = state
        st.fds = ["seccompFd"]
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        let payload: [UInt8]
        do { payload = Array(try e.encode(st)) } catch {
            throw SeccompError("encoding the container process state: \(error)", errno: EINVAL, isConfigError: true)
        }
        let sock: Int32
        do { sock = try UnixAddress.connect(path, type: Int32(SOCK_STREAM.rawValue)) } catch let err as SysError {
            throw SeccompError("connecting to seccomp listener \(path)", errno: err.errno)
        }
        defer { close(sock) }
        var sent = 0
        try payload.withUnsafeBytes { buf in
            let first = sr_send_fd(sock, notifyFD, buf.baseAddress, buf.count)
            if first < 0 { throw SeccompError("sending seccomp fd to listener \(path)", errno: errno) }
            sent = first
            while sent < buf.count {
                let n = send(sock, buf.baseAddress! + sent, buf.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SeccompError("sending container process state to listener \(path)", errno: errno)
                }
                sent += n
            }
        }
    }
}
