import OCISpec

/// cgroup v1 cpu: cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us, cpu.cfs_burst_us, cpu.rt_period_us,
/// cpu.rt_runtime_us, cpu.idle; throttling stats from cpu.stat.
enum V1CPU {
    static func wanted(_ c: LinuxCPU) -> Bool {
        (c.shares ?? 0) != 0 || (c.quota ?? 0) != 0 || (c.period ?? 0) != 0 || c.burst != nil ||
            (c.realtimeRuntime ?? 0) != 0 || (c.realtimePeriod ?? 0) != 0 || c.idle != nil
    }

    /// Writes a (period, quota)-like pair; when the first write is refused (EINVAL: the new pair is only
    /// valid together), writes them in the other order.
    static func writePair(_ ctx: ApplyContext, _ first: (String, String)?, _ second: (String, String)?) throws {
        do {
            if let f = first { try ctx.write(f.0, f.1) }
        } catch let e as CgroupError {
            guard let s = second else { throw e }
            try ctx.write(s.0, s.1)
            try ctx.write(first!.0, first!.1)
            return
        }
        if let s = second { try ctx.write(s.0, s.1) }
    }

    static func apply(_ c: LinuxCPU, _ ctx: inout ApplyContext) throws {
        if let s = c.shares, s != 0 { try ctx.write("cpu.shares", String(s)) }
        let period = (c.period ?? 0) != 0 ? ("cpu.cfs_period_us", String(c.period!)) : nil
        let quota = (c.quota ?? 0) != 0 ? ("cpu.cfs_quota_us", String(c.quota!)) : nil
        if period != nil || quota != nil { try writePair(ctx, period ?? quota, period == nil ? nil : quota) }
        if let b = c.burst {
            if ctx.exists("cpu.cfs_burst_us") { try ctx.write("cpu.cfs_burst_us", String(b)) }
            else { ctx.warn("cpu.burst ignored: cpu.cfs_burst_us does not exist (kernel < 5.14)") }
        }
        let rtPeriod = (c.realtimePeriod ?? 0) != 0 ? ("cpu.rt_period_us", String(c.realtimePeriod!)) : nil
        let rtRuntime = (c.realtimeRuntime ?? 0) != 0 ? ("cpu.rt_runtime_us", String(c.realtimeRuntime!)) : nil
        if rtPeriod != nil || rtRuntime != nil { try writePair(ctx, rtPeriod ?? rtRuntime, rtPeriod == nil ? nil : rtRuntime) }
        if let i = c.idle {
            if ctx.exists("cpu.idle") { try ctx.write("cpu.idle", String(i)) }
            else if i != 0 { ctx.warn("cpu.idle ignored: \(ctx.dir)/cpu.idle does not exist") }
        }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        let st = fs.readKeyedMap(dir, "cpu.stat")
        s.cpu.throttling.periods = st["nr_periods"] ?? 0
        s.cpu.throttling.throttledPeriods = st["nr_throttled"] ?? 0
        s.cpu.throttling.throttledTime = st["throttled_time"] ?? 0
    }
}
