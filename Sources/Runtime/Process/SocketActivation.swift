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

/// Variables of the runtime's own environment, looked up by a linear search (a `[String: String]` of
/// it would make the Swift runtime scan every protocol conformance record; Docs/BENCHMARK.md).
enum ProcessEnvironment {
    /// NAME's value in the runtime's environment (the first NAME=, as getenv(3)).
    static func value(_ name: String) -> String? {
        var p = environ
        while let entry = p.pointee {
            if let v = self.value(name, in: String(cString: entry)) { return v }
            p += 1
        }
        return nil
    }

    /// NAME's value in `env` ("NAME=value" entries), the first one as getenv(3).
    static func value(_ name: String, in env: [String]) -> String? {
        for e in env { if let v = value(name, in: e) { return v } }
        return nil
    }

    private static func value(_ name: String, in entry: String) -> String? {
        guard let eq = entry.firstIndex(of: "="), entry[..<eq] == name else { return nil }
        return String(entry[entry.index(after: eq)...])
    }
}
