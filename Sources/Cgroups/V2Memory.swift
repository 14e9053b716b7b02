import OCISpec

/// cgroup v2 memory controller: memory.max, memory.swap.max, memory.low.
enum V2Memory {
    /// The spec's swap is memory+swap; memory.swap.max is swap alone (runc's conversion). 0 means unset.
    static func swapOnly(swap: Int64, limit: Int64) throws -> Int64 {
        if limit == -1 && swap == 0 { return -1 }     // unlimited memory, swap unset: both unlimited
        if swap == -1 || swap == 0 { return swap }
        if limit == -1 { return swap }
        if limit == 0 { throw CgroupError("unable to set swap limit without memory limit") }
        if limit < 0 { throw CgroupError("invalid memory limit \(limit)") }
        if swap < limit { throw CgroupError("memory+swap limit (\(swap)) should be >= memory limit (\(limit))") }
        return swap - limit
    }

    static func apply(_ m: LinuxMemory, _ ctx: inout ApplyContext) throws {
        if (m.kernel ?? 0) != 0 { ctx.warn("memory.kernel (kernel memory limit) is not supported on cgroup v2; ignored") }
        if (m.kernelTCP ?? 0) != 0 { ctx.warn("memory.kernelTCP is not supported on cgroup v2; ignored") }
        if m.swappiness != nil { ctx.warn("memory.swappiness has no cgroup v2 equivalent; ignored") }
        if m.disableOOMKiller == true { ctx.warn("memory.disableOOMKiller has no cgroup v2 equivalent; ignored") }
        if m.useHierarchy == false { ctx.warn("memory.useHierarchy=false is not supported on cgroup v2 (always hierarchical)") }

        let limit = m.limit ?? 0
        let swap = m.swap ?? 0
        let reservation = m.reservation ?? 0
        guard limit != 0 || swap != 0 || reservation != 0 else { return }
        try ctx.require("memory", for: "linux.resources.memory")

        if swap != 0 {
            var forSwap = limit
            if forSwap == 0, ctx.isUpdate, let cur = ctx.read("memory.max") {
                forSwap = cur == "max" ? -1 : Int64(cur) ?? 0
            }
            let v = try swapOnly(swap: swap, limit: forSwap)
            let s = v < 0 ? "max" : String(v)
            if ctx.exists("memory.swap.max") {
                if m.checkBeforeUpdate == true, v >= 0, let cur = ctx.read("memory.swap.current"), let u = UInt64(cur), UInt64(v) < u {
                    throw CgroupError("rejecting swap limit \(v) below the current swap usage \(u) (checkBeforeUpdate)")
                }
                try ctx.write("memory.swap.max", s)
            } else if s != "max" {
                ctx.warn("memory.swap ignored: \(ctx.dir)/memory.swap.max does not exist (swap accounting disabled)")
            }
        } else if limit == -1, ctx.exists("memory.swap.max") {
            try ctx.write("memory.swap.max", "max")
        }
        if limit != 0 {
            if m.checkBeforeUpdate == true, limit > 0, let cur = ctx.read("memory.current"), let u = UInt64(cur), UInt64(limit) < u {
                throw CgroupError("rejecting memory limit \(limit) below the current usage \(u) (checkBeforeUpdate)")
            }
            try ctx.write("memory.max", limitString(limit))
        }
        if reservation != 0 { try ctx.write("memory.low", limitString(reservation)) }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        let raw = fs.readKeyed(dir, "memory.stat")
        if raw.isEmpty && !fs.exists(dir, "memory.current") { return }
        var map: [String: UInt64] = [:]
        for (k, v) in raw { map[k] = v }
        s.memory.raw = map
        s.memory.cache = map["file"] ?? 0
        s.memory.usage.usage = fs.readUInt(dir, "memory.current") ?? 0
        s.memory.usage.limit = fs.readUInt(dir, "memory.max") ?? UInt64.max
        s.memory.usage.max = fs.readUInt(dir, "memory.peak") ?? 0
        s.memory.usage.failcnt = fs.readKeyedMap(dir, "memory.events")["max"] ?? 0
        if fs.exists(dir, "memory.swap.current") {
            // v1 reports memory+swap; do the same for compatibility.
            let swapUsage = fs.readUInt(dir, "memory.swap.current") ?? 0
            let swapLimit = fs.readUInt(dir, "memory.swap.max") ?? UInt64.max
            s.memory.swap.usage = swapUsage &+ s.memory.usage.usage
            s.memory.swap.limit = swapLimit == UInt64.max || s.memory.usage.limit == UInt64.max
                ? UInt64.max : swapLimit &+ s.memory.usage.limit
            s.memory.swap.max = fs.readUInt(dir, "memory.swap.peak") ?? 0
            s.memory.swap.failcnt = fs.readKeyedMap(dir, "memory.swap.events")["max"] ?? 0
        }
    }
}
