#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// systemd socket activation of the runtime itself (sd_listen_fds(3)): when the runtime was started
/// with LISTEN_FDS=N and LISTEN_PID naming it, fds 3..<3+N are sockets meant for the container. As
/// runc, `create`/`run` pass them on (before any `--preserve-fds` fds) and the container's process
/// gets LISTEN_FDS/LISTEN_PID of its own (Launch.environment).
public enum SocketActivation {
    /// N when LISTEN_FDS=N (N > 0) and LISTEN_PID is this process; else 0. `environment` and `pid`
    /// are parameters for the unit tests.
    public static func inheritedCount(environment: [String: String]? = nil, pid: pid_t = Proc.currentPID) -> Int32 {
        let env = environment ?? ProcessEnvironment.current()
        guard let fds = env["LISTEN_FDS"].flatMap({ Int32($0) }), fds > 0,
              let listenPid = env["LISTEN_PID"].flatMap({ pid_t($0) }), listenPid == pid else { return 0 }
        return fds
    }
}

/// The runtime's own environment as a dictionary.
enum ProcessEnvironment {
    static func current() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}
