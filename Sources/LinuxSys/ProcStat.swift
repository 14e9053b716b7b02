#if canImport(Glibc)
import Glibc
#endif

/// `/proc/<pid>/stat` (proc(5)), parsed in one place. The command name (field 2) may hold spaces
/// and parentheses, so the fields are taken after its last `)`. Only the fields the runtime reads
/// are kept, parsed from the bytes in one pass (`list` reads one per container).
public struct ProcStat: Sendable, Equatable {
    /// Field 3: the one-letter state (R, S, D, Z, X, ...).
    public let state: Character?
    /// Field 4: the parent's pid.
    public let parent: pid_t?
    /// Field 22: clock ticks since boot when the process started (tells a process from one that
    /// reused its pid); nil when the line is shorter.
    public let startTime: UInt64?

    public init?(_ text: String) {
        var text = text
        guard let st = text.withUTF8({ ProcStat(bytes: $0) }) else { return nil }
        self = st
    }

    init?(bytes: UnsafeBufferPointer<UInt8>) {
        var close = bytes.count
        while close > 0 && bytes[close - 1] != UInt8(ascii: ")") { close -= 1 }
        guard close > 0 else { return nil }
        var state: UInt8?
        var parent: pid_t?
        var start: UInt64?
        var field = 2, i = close
        while i < bytes.count {
            while i < bytes.count && bytes[i] == UInt8(ascii: " ") { i += 1 }
            if i == bytes.count { break }
            field += 1
            var j = i
            while j < bytes.count && bytes[j] != UInt8(ascii: " ") && bytes[j] != UInt8(ascii: "\n") { j += 1 }
            switch field {
            case 3: state = bytes[i]
            case 4: parent = ProcStat.number(bytes, i, j).flatMap { pid_t(exactly: $0) }
            case 22: start = ProcStat.number(bytes, i, j)
            default: break
            }
            if field == 22 || j == bytes.count || bytes[j] == UInt8(ascii: "\n") { break }
            i = j
        }
        guard let s = state else { return nil }
        self.state = Character(Unicode.Scalar(s))
        self.parent = parent
        self.startTime = start
    }

    /// The decimal number in bytes[from..<to], nil unless it is all digits (and fits).
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UInt64? {
        guard from < to else { return nil }
        var v: UInt64 = 0
        for k in from..<to {
            let d = bytes[k] &- UInt8(ascii: "0")
            guard d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// nil when the process does not exist (or its stat cannot be read).
    public static func read(_ pid: pid_t) -> ProcStat? {
        guard let bytes = try? FileIO.read("/proc/\(pid)/stat") else { return nil }
        return bytes.withUnsafeBufferPointer { ProcStat(bytes: $0) }
    }

    /// A zombie or dead task: gone, though not reaped yet.
    public var isDead: Bool { state == "Z" || state == "X" }
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
