#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The runtime's log, written where `--log` points (stderr by default) in runc's formats:
/// text `time="…" level=error msg="…"` or JSON lines `{"level":"error","msg":"…","time":"…"}`.
/// Engines read the last error line of this file when a command fails.
public enum Log {
    public enum Level: Int, Comparable, Sendable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    nonisolated(unsafe) static var fd: Int32 = 2
    nonisolated(unsafe) static var json = false
    nonisolated(unsafe) public static var minLevel: Level = .info

    /// Opens the log file (append) and selects the format. Called once by the CLI.
    public static func configure(path: String?, format: String, debug: Bool) throws {
        json = format == "json"
        minLevel = debug ? .debug : .info
        if let path, !path.isEmpty {
            fd = try FileIO.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o644)
        }
    }

    /// In a container process: closes the log file (a host fd) and drops later messages.
    static func detach() {
        if fd > 2 { FileIO.close(fd) }
        if fd != 2 { fd = -1 }
    }

    /// True when the log goes somewhere other than stderr, so errors should also be printed there.
    public static var isFile: Bool { fd != 2 }

    public static func debug(_ m: @autoclosure () -> String) { if minLevel <= .debug { write(.debug, m()) } }
    public static func info(_ m: String) { write(.info, m) }
    public static func warn(_ m: String) { write(.warning, m) }
    public static func error(_ m: String) { write(.error, m) }

    static func write(_ level: Level, _ msg: String) {
        guard level >= minLevel else { return }
        let t = Timestamp.rfc3339(nanos: false)
        let line: String
        if json {
            line = "{\"level\":\"\(level.name)\",\"msg\":\(JSONString.quote(msg)),\"time\":\"\(t)\"}\n"
        } else {
            line = "time=\"\(t)\" level=\(level.name) msg=\(JSONString.quote(msg))\n"
        }
        try? FileIO.writeAll(fd: fd, Array(line.utf8))
    }
}

public enum Timestamp {
    /// UTC RFC 3339 time, with nanoseconds when asked (Go's RFC3339Nano trims trailing zeros).
    public static func rfc3339(nanos: Bool) -> String {
        let ts = Clock.realtime()
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func p(_ v: Int32, _ w: Int = 2) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var s = "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1))-\(p(tmv.tm_mday))T\(p(tmv.tm_hour)):\(p(tmv.tm_min)):\(p(tmv.tm_sec))"
        if nanos && ts.tv_nsec > 0 {
            var frac = String(ts.tv_nsec)
            frac = String(repeating: "0", count: 9 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            s += "." + frac
        }
        return s + "Z"
    }
}
