import OCISpec
import LinuxSys
import Runtime
#if canImport(Glibc)
import Glibc
#endif

enum UpdateCommand {
    // Every value option takes the next argument as its value even when it looks like a flag
    // (as runc), so `--pids-limit -1` works as well as `--pids-limit=-1`.
    static let spec = VerbSpec(
        name: "update", abstract: "Change the resource limits of a live container.",
        flags: [
            RuncFlag("resources", short: "r", value: true, "A LinuxResources JSON file, or - for stdin."),
            RuncFlag("memory", value: true, "Memory limit (bytes, or with k/m/g suffix; -1 unlimited)."),
            RuncFlag("memory-reservation", value: true, "Memory soft limit."),
            RuncFlag("memory-swap", value: true, "Memory plus swap limit (-1 unlimited swap)."),
            RuncFlag("kernel-memory", value: true, hidden: true, "Kernel memory limit (cgroup v1; deprecated)."),
            RuncFlag("pids-limit", value: true, "Maximum number of processes (-1 unlimited)."),
            RuncFlag("cpu-share", value: true, aliases: ["cpu-shares"], "CPU shares (relative weight)."),
            RuncFlag("cpu-idle", value: true, "CPU idle: 1 makes the cgroup SCHED_IDLE (cgroup v2)."),
            RuncFlag("cpu-quota", value: true, "CPU CFS quota (microseconds per period; -1 unlimited)."),
            RuncFlag("cpu-period", value: true, "CPU CFS period (microseconds)."),
            RuncFlag("cpu-burst", value: true, "CPU CFS burst (microseconds)."),
            RuncFlag("cpu-rt-period", value: true, "CPU realtime period."),
            RuncFlag("cpu-rt-runtime", value: true, "CPU realtime runtime."),
            RuncFlag("cpuset-cpus", value: true, "CPUs to run on (e.g. 0-2,4)."),
            RuncFlag("cpuset-mems", value: true, "Memory nodes."),
            RuncFlag("blkio-weight", value: true, "Block IO weight (10-1000)."),
            RuncFlag("l3-cache-schema", value: true, "Intel RDT/CAT L3 cache schema (e.g. L3:0=ffff)."),
            RuncFlag("mem-bw-schema", value: true, "Intel RDT/MBA memory bandwidth schema (e.g. MB:0=70)."),
        ]
    ) { p, cx in
        try update(p, cx)
        return 0
    }

    static func update(_ p: Parsed, _ cx: Invocation) throws {
        let id = p.positional[0]
        let resources = p.value("resources"), memory = p.value("memory")
        let memoryReservation = p.value("memory-reservation"), memorySwap = p.value("memory-swap")
        let kernelMemory = p.value("kernel-memory")
        let pidsLimit = try p.number("pids-limit", Int64.self), cpuShares = try p.number("cpu-share", UInt64.self)
        let cpuIdle = try p.number("cpu-idle", Int64.self), cpuQuota = try p.number("cpu-quota", Int64.self)
        let cpuPeriod = try p.number("cpu-period", UInt64.self), cpuBurst = try p.number("cpu-burst", UInt64.self)
        let cpuRtPeriod = try p.number("cpu-rt-period", UInt64.self)
        let cpuRtRuntime = try p.number("cpu-rt-runtime", Int64.self)
        let cpusetCpus = p.value("cpuset-cpus"), cpusetMems = p.value("cpuset-mems")
        let blkioWeight = try p.number("blkio-weight", UInt16.self)
        let l3CacheSchema = p.value("l3-cache-schema"), memBwSchema = p.value("mem-bw-schema")
        var r = LinuxResources()
        if let src = resources {
            let bytes: [UInt8]
            do { bytes = src == "-" ? try FileIO.readAll(fd: 0, name: "stdin") : try FileIO.read(src) } catch {
                throw RuntimeError("--resources", cause: error)
            }
            r = try SpecLoader.decode(LinuxResources.self, bytes, file: src == "-" ? "stdin" : src)
        }
        var mem = r.memory ?? LinuxMemory.unset
        if let v = memory { mem.limit = try Self.bytes(v, flag: "--memory") }
        if let v = memoryReservation { mem.reservation = try Self.bytes(v, flag: "--memory-reservation") }
        if let v = memorySwap { mem.swap = try Self.bytes(v, flag: "--memory-swap") }
        if let v = kernelMemory { mem.kernel = try Self.bytes(v, flag: "--kernel-memory") }
        if mem != LinuxMemory.unset { r.memory = mem }
        var cpu = r.cpu ?? LinuxCPU.unset
        if let v = cpuShares { cpu.shares = v }
        if let v = cpuIdle { cpu.idle = v }
        if let v = cpuQuota { cpu.quota = v }
        if let v = cpuPeriod { cpu.period = v }
        if let v = cpuBurst { cpu.burst = v }
        if let v = cpuRtPeriod { cpu.realtimePeriod = v }
        if let v = cpuRtRuntime { cpu.realtimeRuntime = v }
        if let v = cpusetCpus { cpu.cpus = v }
        if let v = cpusetMems { cpu.mems = v }
        if cpu != LinuxCPU.unset { r.cpu = cpu }
        if let v = pidsLimit { r.pids = LinuxPids(limit: v) }
        if let v = blkioWeight {
            var b = r.blockIO ?? LinuxBlockIO.unset
            b.weight = v
            r.blockIO = b
        }
        var rdt: LinuxIntelRdt? = nil
        if l3CacheSchema != nil || memBwSchema != nil {
            var x = LinuxIntelRdt()
            x.l3CacheSchema = l3CacheSchema
            x.memBwSchema = memBwSchema
            rdt = x
        }
        guard r != LinuxResources() || rdt != nil else {
            throw RuntimeError("update: nothing to change (give --resources or a flag)")
        }
        try Update.run(store: cx.store, id: id, resources: r, intelRdt: rdt)
    }

    /// runc's RAMInBytes: a number with an optional b/k/m/g/t suffix (binary units); -1 = unlimited.
    static func bytes(_ s: String, flag: String) throws -> Int64 {
        if s == "-1" { return -1 }
        var t = s.lowercased()
        if t.hasSuffix("ib") { t.removeLast(2) } else if t.hasSuffix("b") { t.removeLast() }
        let units: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40]
        var mult: Int64 = 1
        if let last = t.last, let u = units[last] { mult = u; t.removeLast() }
        guard let n = Double(t), n >= 0 else { throw RuntimeError("\(flag): invalid size \"\(s)\"") }
        return Int64(n * Double(mult))
    }
}
