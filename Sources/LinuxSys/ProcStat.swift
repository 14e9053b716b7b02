#if canImport(Glibc)
import Glibc
#endif

/// `/proc/<pid>/stat` (proc(5)), parsed in one place. The command name (field 2) may hold spaces
/// and parentheses, so the fields are taken after its last `)`.
public struct ProcStat: Sendable, Equatable {
    /// Fields 3 onwards: `fields[0]` is field 3 (state), `fields[1]` field 4 (ppid),
    /// `fields[19]` field 22 (starttime).
    public let fields: [Substring]

    public init?(_ text: String) {
        // The last ")" and the spaces are looked for in the UTF-8 bytes: searching Characters
        // breaks the whole line into grapheme clusters first (~0.2 M instructions a read).
        let bytes = text.utf8
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        fields = bytes[bytes.index(after: close)...].split(separator: UInt8(ascii: " ")).map { Substring($0) }
        if fields.isEmpty { return nil }
    }

    /// nil when the process does not exist (or its stat cannot be read).
    public static func read(_ pid: pid_t) -> ProcStat? {
        guard let text = try? FileIO.readString("/proc/\(pid)/stat") else { return nil }
        return ProcStat(text)
    }

    /// The one-letter state (R, S, D, Z, X, ...).
    public var state: Character? { fields.first?.first }

    /// A zombie or dead task: gone, though not reaped yet.
    public var isDead: Bool { state == "Z" || state == "X" }

    public var parent: pid_t? { fields.count > 1 ? pid_t(fields[1]) : nil }

    /// Clock ticks since boot when the process started: tells a process from one that reused its pid.
    public var startTime: UInt64? { fields.count > 19 ? UInt64(fields[19]) : nil }
}

extension Proc {
    /// USER_HZ, the unit of the tick counts in /proc and in cgroup v1's cpuacct.stat.
    public static var clockTicksPerSecond: UInt64 { UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1)) }

    /// kill(2) of a pid read from /proc or a cgroup (the init itself is signalled through its
    /// pidfd). A process that is already gone (ESRCH) is not an error.
    public static func kill(_ pid: pid_t, _ sig: Int32) throws {
        if Glibc.kill(pid, sig) != 0 && errno != ESRCH { throw SysError("kill", "pid \(pid)") }
    }

    /// The calling process's effective user and group ids.
    public static var effectiveUID: uid_t { geteuid() }
    public static var effectiveGID: gid_t { getegid() }

    /// Sleeps (a poll interval; EINTR just ends the sleep early).
    public static func sleep(microseconds: UInt32) { _ = usleep(microseconds) }
}
