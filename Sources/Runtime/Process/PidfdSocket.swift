#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `--pidfd-socket PATH` (runc 1.2, create/run/exec): a pidfd of the container's init (or of the
/// exec'd process) is sent over the AF_UNIX stream socket at PATH (SCM_RIGHTS, message "pidfd"),
/// so an engine can wait for and signal it without pid reuse races.
enum PidfdSocket {
    static func send(_ pidfd: Int32, to path: String) throws {
        let sock = FileDescriptor(adopting: try Console.connect(path, flag: "--pidfd-socket"))
        do { try UnixAddress.sendFD(sock.rawValue, pidfd, data: Array("pidfd".utf8), what: path) } catch {
            throw RuntimeError("--pidfd-socket \(path): send the pidfd", cause: error)
        }
    }
}
