#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The runtime's log, written where `--log` points (stderr by default) in runc's formats:
/// text `time="…" level=error msg="…"` or JSON lines `{"level":"error","msg":"…","time":"…"}`.
/// Engines read the last error line of this file when a command fails.
///
/// A value, not process state: the CLI builds one from the global flags (`Logger.open`) and hands
/// it to the verbs in their `StateStore`; `create` and `exec` pass it on to the container
/// processes they clone (InitContext.log, Exec.execChild). Code that has no logger given logs
/// nothing: there is no process-wide default.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    /// Where the lines go: 2, the `--log` file, or -1 (dropped). The file is opened once per
    /// process by `open` and stays open until the process exits or execs (close-on-exec); it is
    /// a number, not an owned fd, because the logger is a value every verb carries and clone3
    /// children copy; the init's copy is its `ChildFD` (InitContext.logFile), closed when it
    /// detaches; exec's child keeps it until execve.
    public let fd: Int32
    public let json: Bool
    public let minLevel: Level

    public init(fd: Int32, json: Bool = false, minLevel: Level = .info) {
        self.fd = fd
        self.json = json
        self.minLevel = minLevel
    }

    /// stderr, text format, level info: runc's log without --log.
    public static let stderr = Logger(fd: 2)

    /// The log for the global flags: `--log` opened for appending (or stderr), `--log-format`,
    /// `--debug`. Called once by the CLI.
    public static func open(path: String?, format: String, debug: Bool) throws -> Logger {
        var fd: Int32 = 2
        if let path, !path.isEmpty {
            fd = try FileIO.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o644)
        }
        return Logger(fd: fd, json: format == "json", minLevel: debug ? .debug : .info)
    }

    /// In a container process: a logger that drops every later message when the log is a file
    /// (a host fd, which the process closes: InitContext.logFile); stderr is then the container's.
    func detached() -> Logger {
        fd == 2 ? self : Logger(fd: -1, json: json, minLevel: minLevel)
    }

    /// True when the log goes somewhere other than stderr, so errors should also be printed there.
    public var isFile: Bool { fd != 2 }

    public func debug(_ m: @autoclosure () -> String) { if minLevel <= .debug { write(.debug, m()) } }
    public func info(_ m: String) { write(.info, m) }
    public func warn(_ m: String) { write(.warning, m) }
    public func error(_ m: String) { write(.error, m) }

    func write(_ level: Level, _ msg: String) {
        guard level >= minLevel, fd >= 0 else { return }
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
