#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// systemd socket activation of the runtime itself (sd_listen_fds(3)): when the runtime was started
/// with LISTEN_FDS=N and LISTEN_PID naming it, fds 3..<3+N are sockets meant for the container. As
/// runc, `create`/`run` pass them on (before any `--preserve-fds` fds) and the container's process
/// gets LISTEN_FDS/LISTEN_PID of its own (Launch.environment).
public enum SocketActivation {
    /// N when LISTEN_FDS=N (N > 0) and LISTEN_PID is this process; else 0. `environment`
    /// ("NAME=value" entries) and `pid` are parameters for the unit tests.
    public static func inheritedCount(environment: [String]? = nil, pid: pid_t = Proc.currentPID) -> Int32 {
        func value(_ name: String) -> String? {
            if let environment { return ProcessEnvironment.value(name, in: environment) }
            return ProcessEnvironment.value(name)
        }
        guard let fds = value("LISTEN_FDS").flatMap({ Int32($0) }), fds > 0,
              let listenPid = value("LISTEN_PID").flatMap({ pid_t($0) }), listenPid == pid else { return 0 }
        return fds
    }
}

/// Variables of the runtime's own environment: getenv(3), not a `[String: String]` of all of it
/// (a String of every entry; Docs/BENCHMARK.md).
enum ProcessEnvironment {
    /// NAME's value in the runtime's environment (the first NAME=, as getenv(3)).
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// NAME's value in `env` ("NAME=value" entries), the first one as getenv(3).
    static func value(_ name: String, in env: [String]) -> String? {
        for e in env {
            guard let eq = e.utf8.firstIndex(of: UInt8(ascii: "=")), e[..<eq] == name else { continue }
            return String(e[e.utf8.index(after: eq)...])
        }
        return nil
    }
}
