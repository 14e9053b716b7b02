#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.rlimits: names to resource numbers, applied with prlimit on the init itself.
enum Rlimits {
    /// The resource number of an RLIMIT_* name (a switch, not a `[String: Int32]`: that would make the
    /// Swift runtime scan every protocol conformance record the first time; Docs/BENCHMARK.md).
    static func resource(_ name: String) -> Int32? {
        switch name {
        case "RLIMIT_CPU": return 0
        case "RLIMIT_FSIZE": return 1
        case "RLIMIT_DATA": return 2
        case "RLIMIT_STACK": return 3
        case "RLIMIT_CORE": return 4
        case "RLIMIT_RSS": return 5
        case "RLIMIT_NPROC": return 6
        case "RLIMIT_NOFILE": return 7
        case "RLIMIT_MEMLOCK": return 8
        case "RLIMIT_AS": return 9
        case "RLIMIT_LOCKS": return 10
        case "RLIMIT_SIGPENDING": return 11
        case "RLIMIT_MSGQUEUE": return 12
        case "RLIMIT_NICE": return 13
        case "RLIMIT_RTPRIO": return 14
        case "RLIMIT_RTTIME": return 15
        default: return nil
        }
    }

    static func apply(_ limits: [POSIXRlimit], kernel k: any Kernel) throws {
        for l in limits {
            guard let res = resource(l.type) else {
                throw RuntimeError("process.rlimits: unknown rlimit type \"\(l.type)\"")
            }
            if k.prlimit(0, res, soft: l.soft, hard: l.hard) != 0 {
                throw RuntimeError("setrlimit \(l.type) (soft \(l.soft), hard \(l.hard))", cause: SysError("prlimit", errno: errno))
            }
        }
    }
}
