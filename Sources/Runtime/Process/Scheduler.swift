#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.scheduler: sched_setattr(2) of the calling process (the container init, so the
/// exec'd program keeps it).
enum SchedulerAttr {
    static let policies: [String: UInt32] = [
        "SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
    ]
    static let flagBits: [String: UInt64] = [
        "SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
        "SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10, "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20,
        "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
    ]

    /// The sched_attr fields, validated. Pure (unit-tested).
    struct Attr: Equatable {
        var policy: UInt32
        var flags: UInt64
        var nice: Int32
        var priority: UInt32
        var runtime: UInt64
        var deadline: UInt64
        var period: UInt64
    }

    static func attr(_ s: Scheduler) throws -> Attr {
        let f = "process.scheduler"
        if s.policy == "SCHED_ISO" {
            throw RuntimeError("\(f).policy: SCHED_ISO is not implemented by Linux", errno: EINVAL)
        }
        guard let policy = policies[s.policy] else {
            throw RuntimeError("\(f).policy: unknown policy \"\(s.policy)\"", errno: EINVAL)
        }
        var flags: UInt64 = 0
        for name in s.flags ?? [] {
            guard let b = flagBits[name] else { throw RuntimeError("\(f).flags: unknown flag \"\(name)\"", errno: EINVAL) }
            flags |= b
        }
        if flags & 0x60 != 0 {
            // The spec has no util_min/util_max values to go with these flags.
            throw RuntimeError("\(f).flags: SCHED_FLAG_UTIL_CLAMP_MIN/MAX need clamp values the spec does not provide",
                               errno: EINVAL)
        }
        let nice = s.nice ?? 0
        if !(-20...19).contains(nice) {
            throw RuntimeError("\(f).nice: \(nice) is out of range [-20, 19]", errno: EINVAL)
        }
        let prio = s.priority ?? 0
        let realtime = policy == 1 || policy == 2
        if realtime && !(1...99).contains(prio) {
            throw RuntimeError("\(f).priority: \(s.policy) needs a priority in [1, 99], got \(prio)", errno: EINVAL)
        }
        if !realtime && prio != 0 {
            throw RuntimeError("\(f).priority: must be 0 for \(s.policy), got \(prio)", errno: EINVAL)
        }
        let dl = policy == 6
        if !dl && (s.runtime ?? 0 != 0 || s.deadline ?? 0 != 0 || s.period ?? 0 != 0) {
            throw RuntimeError("\(f): runtime, deadline and period apply to SCHED_DEADLINE only", errno: EINVAL)
        }
        if dl {
            let r = s.runtime ?? 0, d = s.deadline ?? 0, p = s.period ?? 0
            if r == 0 || d == 0 {
                throw RuntimeError("\(f): SCHED_DEADLINE needs runtime and deadline", errno: EINVAL)
            }
            if r > d || (p != 0 && d > p) {
                throw RuntimeError("\(f): SCHED_DEADLINE needs runtime <= deadline <= period", errno: EINVAL)
            }
        }
        return Attr(policy: policy, flags: flags, nice: nice, priority: UInt32(prio),
                    runtime: s.runtime ?? 0, deadline: s.deadline ?? 0, period: s.period ?? 0)
    }

    static func apply(_ s: Scheduler) throws {
        let a = try attr(s)
        if ProcessControl.schedSetattr(policy: a.policy, flags: a.flags, nice: a.nice, priority: a.priority, runtime: a.runtime,
                                        deadline: a.deadline, period: a.period) != 0 {
            let e = errno
            throw RuntimeError("process.scheduler", cause: SysError("sched_setattr", s.policy, errno: e))
        }
    }
}
