import ArgumentParser
import OCISpec
import LinuxSys
import Runtime
#if canImport(Glibc)
import Glibc
#endif

struct UpdateCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Change the resource limits of a live container.")
    static let verbName = "update"
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.customShort("r"), .long], help: "A LinuxResources JSON file, or - for stdin.") var resources: String?
    // Values that may be negative (-1: unlimited) are taken as values even when they look like a
    // flag, so runc's `--pids-limit -1` works as well as `--pids-limit=-1`.
    @Option(parsing: .unconditional, help: "Memory limit (bytes, or with k/m/g suffix; -1 unlimited).") var memory: String?
    @Option(name: .customLong("memory-reservation"), parsing: .unconditional, help: "Memory soft limit.") var memoryReservation: String?
    @Option(name: .customLong("memory-swap"), parsing: .unconditional, help: "Memory plus swap limit (-1 unlimited swap).") var memorySwap: String?
    @Option(name: .customLong("kernel-memory"), parsing: .unconditional, help: .hidden) var kernelMemory: String?
    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Maximum number of processes (-1 unlimited).") var pidsLimit: Int64?
    @Option(name: [.customLong("cpu-share"), .customLong("cpu-shares")], help: "CPU shares (relative weight).") var cpuShares: UInt64?
    @Option(name: .customLong("cpu-idle"), parsing: .unconditional, help: "CPU idle: 1 makes the cgroup SCHED_IDLE (cgroup v2).") var cpuIdle: Int64?
    @Option(name: .customLong("cpu-quota"), parsing: .unconditional, help: "CPU CFS quota (microseconds per period; -1 unlimited).") var cpuQuota: Int64?
    @Option(name: .customLong("cpu-period"), help: "CPU CFS period (microseconds).") var cpuPeriod: UInt64?
    @Option(name: .customLong("cpu-burst"), help: "CPU CFS burst (microseconds).") var cpuBurst: UInt64?
    @Option(name: .customLong("cpu-rt-period"), help: "CPU realtime period.") var cpuRtPeriod: UInt64?
    @Option(name: .customLong("cpu-rt-runtime"), parsing: .unconditional, help: "CPU realtime runtime.") var cpuRtRuntime: Int64?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs to run on (e.g. 0-2,4).") var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems"), help: "Memory nodes.") var cpusetMems: String?
    @Option(name: .customLong("blkio-weight"), help: "Block IO weight (10-1000).") var blkioWeight: UInt16?
    @Option(name: .customLong("l3-cache-schema"), help: "Intel RDT/CAT L3 cache schema (e.g. L3:0=ffff).") var l3CacheSchema: String?
    @Option(name: .customLong("mem-bw-schema"), help: "Intel RDT/MBA memory bandwidth schema (e.g. MB:0=70).") var memBwSchema: String?
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
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
