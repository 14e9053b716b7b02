#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The `kill` operation, and signal name parsing as runc accepts it.
public enum Kill {
    public static func run(store: StateStore, id: String, signal: Int32, all: Bool) throws {
        let r = try store.load(id)
        let status = store.status(of: r)
        guard status == .created || status == .running || status == .paused || status == .creating else {
            // runc: `kill --all` of a container whose init has exited still signals what is left in
            // its cgroup (exec'd processes of a container without a pid namespace) and succeeds.
            if all && status == .stopped { return try signalLeftovers(r, id: id, signal: signal) }
            throw RuntimeError("container not running")
        }
        // Open a pidfd, then check the start time, so a recycled pid is never signalled.
        let pidfd = FileDescriptor(adopting: try Proc.pidfdOpen(r.pid))
        guard Proc.isAlive(r.pid, startTime: r.pidStartTime) else {
            if all { return try signalLeftovers(r, id: id, signal: signal) }
            throw RuntimeError("container not running")
        }
        // Without its own pid namespace the container's processes do not die with its init: SIGKILL
        // of the init kills the whole cgroup, as runc 1.2 does.
        let everything = all || (signal == SIGKILL && !r.ownPidNamespace)
        if everything, let cg = ContainerCgroup.load(r) {
            do { try cg.kill(signal: signal) } catch { throw RuntimeError("kill --all container \(id)", cause: error) }
            return
        }
        if everything && r.ownPidNamespace {
            for pid in processesInPidNamespace(of: r.pid) where pid != r.pid { try? Proc.kill(pid, signal) }
        }
        do { try Proc.signal(pidfd: pidfd.rawValue, signal) } catch { throw RuntimeError("kill container \(id)", cause: error) }
    }

    /// `kill --all` of a container whose init is gone: what is left in its cgroup.
    static func signalLeftovers(_ r: ContainerRecord, id: String, signal: Int32) throws {
        if let cg = ContainerCgroup.load(r), let left = try? cg.pids(), !left.isEmpty {
            do { try cg.kill(signal: signal) } catch { throw RuntimeError("kill --all container \(id)", cause: error) }
        }
    }

    /// Host pids of every process in the same pid namespace as `pid` (and its descendants' namespaces).
    static func processesInPidNamespace(of pid: pid_t) -> [pid_t] {
        guard let want = nsInode("/proc/\(pid)/ns/pid") else { return [] }
        return FileIO.listDirectory("/proc").compactMap { Int32($0) }.filter { nsInode("/proc/\($0)/ns/pid") == want }
    }

    static func nsInode(_ path: String) -> UInt? {
        FileIO.status(path).map { UInt($0.st_ino) }
    }

    /// "TERM", "SIGTERM", "sigterm", "15" → 15. "0" is signal 0: only checks that the container's
    /// init is alive (a liveness probe), as kill(2) and runc do.
    public static func parseSignal(_ s: String) throws -> Int32 {
        if let n = Int32(s) {
            guard n >= 0 && n < 65 else { throw RuntimeError("invalid signal number \(s)") }
            return n
        }
        var name = s.uppercased()
        if name.hasBytePrefix("SIG") { name = String(name.dropFirst(3)) }
        if let n = signalNumber(name) { return n }
        if name.hasBytePrefix("RTMIN+"), let k = Int32(name.dropFirst(6)), SIGRTMIN + k <= SIGRTMAX { return SIGRTMIN + k }
        if name.hasBytePrefix("RTMAX-"), let k = Int32(name.dropFirst(6)), SIGRTMAX - k >= SIGRTMIN { return SIGRTMAX - k }
        throw RuntimeError("unknown signal \"\(s)\"")
    }

    static var SIGRTMIN: Int32 { 34 }
    static var SIGRTMAX: Int32 { 64 }

    /// A signal's number by its name without "SIG" (a switch: a `[String: Int32]` would make the Swift
    /// runtime scan every protocol conformance record the first time; Docs/BENCHMARK.md).
    static func signalNumber(_ name: String) -> Int32? {
        switch name {
        case "HUP": return 1
        case "INT": return 2
        case "QUIT": return 3
        case "ILL": return 4
        case "TRAP": return 5
        case "ABRT", "IOT": return 6
        case "BUS": return 7
        case "FPE": return 8
        case "KILL": return 9
        case "USR1": return 10
        case "SEGV": return 11
        case "USR2": return 12
        case "PIPE": return 13
        case "ALRM": return 14
        case "TERM": return 15
        case "STKFLT": return 16
        case "CHLD", "CLD": return 17
        case "CONT": return 18
        case "STOP": return 19
        case "TSTP": return 20
        case "TTIN": return 21
        case "TTOU": return 22
        case "URG": return 23
        case "XCPU": return 24
        case "XFSZ": return 25
        case "VTALRM": return 26
        case "PROF": return 27
        case "WINCH": return 28
        case "IO", "POLL": return 29
        case "PWR": return 30
        case "SYS": return 31
        case "RTMIN": return 34
        case "RTMAX": return 64
        default: return nil
        }
    }
}
