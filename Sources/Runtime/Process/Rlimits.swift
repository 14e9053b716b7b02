#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.rlimits: names to resource numbers, applied with prlimit on the init itself.
enum Rlimits {
    static let resources: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
        "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
        "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
        "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    static func apply(_ limits: [POSIXRlimit], kernel k: any Kernel) throws {
        for l in limits {
            guard let res = resources[l.type] else {
                throw RuntimeError("process.rlimits: unknown rlimit type \"\(l.type)\"")
            }
            if k.prlimit(0, res, soft: l.soft, hard: l.hard) != 0 {
                throw RuntimeError("setrlimit \(l.type) (soft \(l.soft), hard \(l.hard))", cause: SysError("prlimit", errno: errno))
            }
        }
    }
}
