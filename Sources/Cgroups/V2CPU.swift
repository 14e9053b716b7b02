#if canImport(Glibc)
import Glibc
#endif
import OCISpec

/// cgroup v2 cpu controller: cpu.weight, cpu.max, cpu.max.burst, cpu.idle; stats from cpu.stat.
enum V2CPU {
    /// cpu.shares [2, 262144] → cpu.weight [1, 10000] with the log-quadratic mapping runc ≥ 1.3.2 and
    /// crun ≥ 1.23 use (2 → 1, 1024 → 100, 262144 → 10000); 0 stays 0 (unset).
    static func weight(shares: UInt64) -> UInt64 {
        if shares == 0 { return 0 }
        if shares <= 2 { return 1 }
        if shares >= 262_144 { return 10_000 }
        let l = log2(Double(shares))
        let exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0
        return UInt64(ceil(pow(10.0, exponent)))
    }

    static func apply(_ c: LinuxCPU, _ ctx: inout ApplyContext) throws {
        if (c.realtimeRuntime ?? 0) != 0 || (c.realtimePeriod ?? 0) != 0 {
            ctx.warn("cpu.realtimeRuntime/realtimePeriod have no cgroup v2 equivalent; ignored")
        }
        let shares = c.shares ?? 0
        let quota = c.quota ?? 0
        let period = c.period ?? 0
        let wantsMax = quota != 0 || period != 0
        guard shares != 0 || wantsMax || c.burst != nil || c.idle != nil else { return }
        try ctx.require("cpu", for: "linux.resources.cpu")

        if let idle = c.idle {
            if ctx.exists("cpu.idle") { try ctx.write("cpu.idle", String(idle)) }
            else if idle != 0 { throw CgroupError("cannot set cpu.idle: \(ctx.dir)/cpu.idle does not exist (kernel < 5.15)") }
        }
        if shares != 0 { try ctx.write("cpu.weight", String(weight(shares: shares))) }

        var burstFailed: CgroupError?
        if let b = c.burst {
            do { try ctx.write("cpu.max.burst", String(b)) } catch let e as CgroupError { burstFailed = e }
        }
        if wantsMax {
            var q: String
            if quota > 0 { q = String(quota) }
            else if quota < 0 { q = "max" }
            else if ctx.isUpdate, let cur = ctx.read("cpu.max"), let f = cur.split(separator: " ").first { q = String(f) }
            else { q = "max" }
            if period != 0 { q += " " + String(period) }
            try ctx.write("cpu.max", q)
        }
        if burstFailed != nil, let b = c.burst {
            // The burst may only have been too large for the old quota: retry with the new one.
            try ctx.write("cpu.max.burst", String(b))
        }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        let st = fs.readKeyedMap(dir, "cpu.stat")
        s.cpu.usage.total = (st["usage_usec"] ?? 0) &* 1000
        s.cpu.usage.user = (st["user_usec"] ?? 0) &* 1000
        s.cpu.usage.kernel = (st["system_usec"] ?? 0) &* 1000
        s.cpu.throttling.periods = st["nr_periods"] ?? 0
        s.cpu.throttling.throttledPeriods = st["nr_throttled"] ?? 0
        s.cpu.throttling.throttledTime = (st["throttled_usec"] ?? 0) &* 1000
    }
}
