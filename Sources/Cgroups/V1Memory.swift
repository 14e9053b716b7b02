import OCISpec

/// cgroup v1 memory: memory.limit_in_bytes, memory.memsw.limit_in_bytes (when swap accounting exists),
/// memory.soft_limit_in_bytes, memory.kmem.tcp.limit_in_bytes, memory.swappiness, memory.oom_control,
/// memory.use_hierarchy. Kernel memory limits (memory.kmem.limit_in_bytes) are deprecated: warned, not set.
enum V1Memory {
    static func wanted(_ m: LinuxMemory) -> Bool {
        (m.limit ?? 0) != 0 || (m.swap ?? 0) != 0 || (m.reservation ?? 0) != 0 || m.kernel != nil ||
            m.kernelTCP != nil || m.swappiness != nil || m.disableOOMKiller != nil || m.useHierarchy != nil
    }

    static func apply(_ m: LinuxMemory, _ ctx: inout ApplyContext) throws {
        let limit = m.limit ?? 0
        var swap = m.swap ?? 0
        let hasMemsw = ctx.exists("memory.memsw.limit_in_bytes")
        // Unlimited memory with swap unset: swap unlimited too.
        if limit == -1 && swap == 0 && hasMemsw { swap = -1 }
        if swap != 0 && !hasMemsw {
            if swap != -1 { ctx.warn("memory.swap ignored: \(ctx.dir)/memory.memsw.limit_in_bytes does not exist (swap accounting disabled)") }
            swap = 0
        }
        func setLimit() throws { if limit != 0 { try ctx.write("memory.limit_in_bytes", String(limit)) } }
        func setSwap() throws { if swap != 0 { try ctx.write("memory.memsw.limit_in_bytes", String(swap)) } }
        // memsw must stay >= limit at every step: raise memsw first when it grows, the limit first otherwise.
        if limit != 0 && swap != 0 {
            let cur = ctx.read("memory.limit_in_bytes").flatMap { parseUInt($0) } ?? 0
            if swap == -1 || cur < UInt64(swap) { try setSwap(); try setLimit() } else { try setLimit(); try setSwap() }
        } else {
            try setLimit(); try setSwap()
        }
        if let r = m.reservation, r != 0 { try ctx.write("memory.soft_limit_in_bytes", String(r)) }
        if let k = m.kernel, k != 0 { ctx.warn("memory.kernel (kernel memory limit) is deprecated and not supported by this kernel; ignored") }
        if let t = m.kernelTCP, t != 0 {
            if ctx.exists("memory.kmem.tcp.limit_in_bytes") { try ctx.write("memory.kmem.tcp.limit_in_bytes", String(t)) }
            else { ctx.warn("memory.kernelTCP ignored: memory.kmem.tcp.limit_in_bytes does not exist") }
        }
        if let s = m.swappiness {
            guard s <= 100 else { throw CgroupError("invalid memory.swappiness \(s): must be between 0 and 100") }
            try ctx.write("memory.swappiness", String(s))
        }
        if let d = m.disableOOMKiller {
            if d { try ctx.write("memory.oom_control", "1") }
            else if ctx.isUpdate { try ctx.write("memory.oom_control", "0") }
        }
        if let h = m.useHierarchy {
            if h { if ctx.exists("memory.use_hierarchy") { try ctx.write("memory.use_hierarchy", "1") } }
            else { ctx.warn("memory.useHierarchy=false is not supported by this kernel (always hierarchical)") }
        }
    }

    static func entry(_ fs: CgroupFS, _ dir: String, _ prefix: String) -> MemoryEntry {
        var e = MemoryEntry()
        e.usage = fs.readUInt(dir, prefix + "usage_in_bytes") ?? 0
        e.max = fs.readUInt(dir, prefix + "max_usage_in_bytes") ?? 0
        e.failcnt = fs.readUInt(dir, prefix + "failcnt") ?? 0
        e.limit = fs.readUInt(dir, prefix + "limit_in_bytes") ?? 0
        return e
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        var raw: [String: UInt64] = [:]
        for (k, v) in fs.readKeyed(dir, "memory.stat") { raw[k] = v }
        s.memory.raw = raw
        s.memory.cache = raw["cache"] ?? 0
        s.memory.usage = entry(fs, dir, "memory.")
        if fs.exists(dir, "memory.memsw.usage_in_bytes") { s.memory.swap = entry(fs, dir, "memory.memsw.") }
        if fs.exists(dir, "memory.kmem.usage_in_bytes") { s.memory.kernel = entry(fs, dir, "memory.kmem.") }
        if fs.exists(dir, "memory.kmem.tcp.usage_in_bytes") { s.memory.kernelTCP = entry(fs, dir, "memory.kmem.tcp.") }
    }
}
