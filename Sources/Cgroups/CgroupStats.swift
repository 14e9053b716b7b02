/// The "data" object of runc's `events --stats` (runc types.Stats), with runc's JSON keys. Encoding
/// mirrors Go's omitempty: zero numbers and empty lists/maps tagged omitempty are left out, nested
/// structs are always present. PSI, memory event counts, intel_rdt and network interfaces are not
/// collected ("intel_rdt" encodes as {}, "network_interfaces" as null, as runc prints them).
public struct CgroupStats: Codable, Sendable, Equatable {
    public var cpu = CPUStats()
    public var cpuset = CPUSetStats()
    public var memory = MemoryStats()
    public var pids = PidsStats()
    public var blkio = BlkioStats()
    public var hugetlb: [String: HugetlbStats] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey { case cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt, network_interfaces }
    struct Empty: Codable {}

    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        cpu = try c.decodeIfPresent(CPUStats.self, forKey: .cpu) ?? CPUStats()
        cpuset = try c.decodeIfPresent(CPUSetStats.self, forKey: .cpuset) ?? CPUSetStats()
        memory = try c.decodeIfPresent(MemoryStats.self, forKey: .memory) ?? MemoryStats()
        pids = try c.decodeIfPresent(PidsStats.self, forKey: .pids) ?? PidsStats()
        blkio = try c.decodeIfPresent(BlkioStats.self, forKey: .blkio) ?? BlkioStats()
        hugetlb = try c.decodeIfPresent([String: HugetlbStats].self, forKey: .hugetlb) ?? [:]
    }

    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encode(cpu, forKey: .cpu)
        try c.encode(cpuset, forKey: .cpuset)
        try c.encode(memory, forKey: .memory)
        try c.encode(pids, forKey: .pids)
        try c.encode(blkio, forKey: .blkio)
        try c.encode(hugetlb, forKey: .hugetlb)
        try c.encode(Empty(), forKey: .intel_rdt)
        try c.encodeNil(forKey: .network_interfaces)
    }
}

extension KeyedEncodingContainer {
    mutating func encodeOmitEmpty(_ v: UInt64, forKey k: Key) throws { if v != 0 { try encode(v, forKey: k) } }
    mutating func encodeOmitEmpty<T: Encodable>(_ v: [T], forKey k: Key) throws { if !v.isEmpty { try encode(v, forKey: k) } }
}

extension KeyedDecodingContainer {
    func u64(_ k: Key) throws -> UInt64 { try decodeIfPresent(UInt64.self, forKey: k) ?? 0 }
    func list<T: Decodable>(_ k: Key) throws -> [T] { try decodeIfPresent([T].self, forKey: k) ?? [] }
}

public struct CPUUsage: Codable, Sendable, Equatable {
    /// Nanoseconds.
    public var total: UInt64 = 0
    public var percpu: [UInt64] = []
    public var percpuKernel: [UInt64] = []
    public var percpuUser: [UInt64] = []
    public var kernel: UInt64 = 0
    public var user: UInt64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey { case total, percpu, percpu_kernel, percpu_user, kernel, user }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        total = try c.u64(.total); percpu = try c.list(.percpu); percpuKernel = try c.list(.percpu_kernel)
        percpuUser = try c.list(.percpu_user); kernel = try c.u64(.kernel); user = try c.u64(.user)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(total, forKey: .total)
        try c.encodeOmitEmpty(percpu, forKey: .percpu)
        try c.encodeOmitEmpty(percpuKernel, forKey: .percpu_kernel)
        try c.encodeOmitEmpty(percpuUser, forKey: .percpu_user)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(user, forKey: .user)
    }
}

public struct ThrottlingStats: Codable, Sendable, Equatable {
    public var periods: UInt64 = 0
    public var throttledPeriods: UInt64 = 0
    /// Nanoseconds.
    public var throttledTime: UInt64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey { case periods, throttledPeriods, throttledTime }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        periods = try c.u64(.periods); throttledPeriods = try c.u64(.throttledPeriods); throttledTime = try c.u64(.throttledTime)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(periods, forKey: .periods)
        try c.encodeOmitEmpty(throttledPeriods, forKey: .throttledPeriods)
        try c.encodeOmitEmpty(throttledTime, forKey: .throttledTime)
    }
}

public struct CPUStats: Codable, Sendable, Equatable {
    public var usage = CPUUsage()
    public var throttling = ThrottlingStats()
    public init() {}
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        usage = try c.decodeIfPresent(CPUUsage.self, forKey: .usage) ?? CPUUsage()
        throttling = try c.decodeIfPresent(ThrottlingStats.self, forKey: .throttling) ?? ThrottlingStats()
    }
}

public struct CPUSetStats: Codable, Sendable, Equatable {
    public var cpus: [UInt16] = []
    public var cpuExclusive: UInt64 = 0
    public var mems: [UInt16] = []
    public var memHardwall: UInt64 = 0
    public var memExclusive: UInt64 = 0
    public var memoryMigrate: UInt64 = 0
    public var memorySpreadPage: UInt64 = 0
    public var memorySpreadSlab: UInt64 = 0
    public var memoryPressure: UInt64 = 0
    public var schedLoadBalance: UInt64 = 0
    public var schedRelaxDomainLevel: Int64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey {
        case cpus, cpu_exclusive, mems, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
             memory_spread_slab, memory_pressure, sched_load_balance, sched_relax_domain_level
    }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        cpus = try c.list(.cpus); cpuExclusive = try c.u64(.cpu_exclusive); mems = try c.list(.mems)
        memHardwall = try c.u64(.mem_hardwall); memExclusive = try c.u64(.mem_exclusive)
        memoryMigrate = try c.u64(.memory_migrate); memorySpreadPage = try c.u64(.memory_spread_page)
        memorySpreadSlab = try c.u64(.memory_spread_slab); memoryPressure = try c.u64(.memory_pressure)
        schedLoadBalance = try c.u64(.sched_load_balance)
        schedRelaxDomainLevel = try c.decodeIfPresent(Int64.self, forKey: .sched_relax_domain_level) ?? 0
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(cpus, forKey: .cpus)
        try c.encode(cpuExclusive, forKey: .cpu_exclusive)
        try c.encodeOmitEmpty(mems, forKey: .mems)
        try c.encode(memHardwall, forKey: .mem_hardwall)
        try c.encode(memExclusive, forKey: .mem_exclusive)
        try c.encode(memoryMigrate, forKey: .memory_migrate)
        try c.encode(memorySpreadPage, forKey: .memory_spread_page)
        try c.encode(memorySpreadSlab, forKey: .memory_spread_slab)
        try c.encode(memoryPressure, forKey: .memory_pressure)
        try c.encode(schedLoadBalance, forKey: .sched_load_balance)
        try c.encode(schedRelaxDomainLevel, forKey: .sched_relax_domain_level)
    }
}

public struct MemoryEntry: Codable, Sendable, Equatable {
    public var limit: UInt64 = 0
    public var usage: UInt64 = 0
    public var max: UInt64 = 0
    public var failcnt: UInt64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey { case limit, usage, max, failcnt }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        limit = try c.u64(.limit); usage = try c.u64(.usage); max = try c.u64(.max); failcnt = try c.u64(.failcnt)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encode(limit, forKey: .limit)
        try c.encodeOmitEmpty(usage, forKey: .usage)
        try c.encodeOmitEmpty(max, forKey: .max)
        try c.encode(failcnt, forKey: .failcnt)
    }
}

public struct MemoryStats: Codable, Sendable, Equatable {
    public var cache: UInt64 = 0
    public var usage = MemoryEntry()
    public var swap = MemoryEntry()
    public var kernel = MemoryEntry()
    public var kernelTCP = MemoryEntry()
    public var raw: [String: UInt64] = [:]
    public init() {}
    enum CodingKeys: String, CodingKey { case cache, usage, swap, kernel, kernelTCP, raw }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        cache = try c.u64(.cache)
        usage = try c.decodeIfPresent(MemoryEntry.self, forKey: .usage) ?? MemoryEntry()
        swap = try c.decodeIfPresent(MemoryEntry.self, forKey: .swap) ?? MemoryEntry()
        kernel = try c.decodeIfPresent(MemoryEntry.self, forKey: .kernel) ?? MemoryEntry()
        kernelTCP = try c.decodeIfPresent(MemoryEntry.self, forKey: .kernelTCP) ?? MemoryEntry()
        raw = try c.decodeIfPresent([String: UInt64].self, forKey: .raw) ?? [:]
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(cache, forKey: .cache)
        try c.encode(usage, forKey: .usage)
        try c.encode(swap, forKey: .swap)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(kernelTCP, forKey: .kernelTCP)
        if !raw.isEmpty { try c.encode(raw, forKey: .raw) }
    }
}

public struct PidsStats: Codable, Sendable, Equatable {
    public var current: UInt64 = 0
    /// 0 when unlimited.
    public var limit: UInt64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey { case current, limit }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        current = try c.u64(.current); limit = try c.u64(.limit)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(current, forKey: .current)
        try c.encodeOmitEmpty(limit, forKey: .limit)
    }
}

public struct BlkioEntry: Codable, Sendable, Equatable {
    public var major: UInt64 = 0
    public var minor: UInt64 = 0
    public var op: String = ""
    public var value: UInt64 = 0
    public init(major: UInt64 = 0, minor: UInt64 = 0, op: String = "", value: UInt64 = 0) {
        self.major = major; self.minor = minor; self.op = op; self.value = value
    }
    enum CodingKeys: String, CodingKey { case major, minor, op, value }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        major = try c.u64(.major); minor = try c.u64(.minor)
        op = try c.decodeIfPresent(String.self, forKey: .op) ?? ""; value = try c.u64(.value)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(major, forKey: .major)
        try c.encodeOmitEmpty(minor, forKey: .minor)
        if !op.isEmpty { try c.encode(op, forKey: .op) }
        try c.encodeOmitEmpty(value, forKey: .value)
    }
}

public struct BlkioStats: Codable, Sendable, Equatable {
    public var ioServiceBytesRecursive: [BlkioEntry] = []
    public var ioServicedRecursive: [BlkioEntry] = []
    public var ioQueuedRecursive: [BlkioEntry] = []
    public var ioServiceTimeRecursive: [BlkioEntry] = []
    public var ioWaitTimeRecursive: [BlkioEntry] = []
    public var ioMergedRecursive: [BlkioEntry] = []
    public var ioTimeRecursive: [BlkioEntry] = []
    public var sectorsRecursive: [BlkioEntry] = []
    public init() {}
    enum CodingKeys: String, CodingKey {
        case ioServiceBytesRecursive, ioServicedRecursive, ioQueueRecursive, ioServiceTimeRecursive,
             ioWaitTimeRecursive, ioMergedRecursive, ioTimeRecursive, sectorsRecursive
    }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        ioServiceBytesRecursive = try c.list(.ioServiceBytesRecursive); ioServicedRecursive = try c.list(.ioServicedRecursive)
        ioQueuedRecursive = try c.list(.ioQueueRecursive); ioServiceTimeRecursive = try c.list(.ioServiceTimeRecursive)
        ioWaitTimeRecursive = try c.list(.ioWaitTimeRecursive); ioMergedRecursive = try c.list(.ioMergedRecursive)
        ioTimeRecursive = try c.list(.ioTimeRecursive); sectorsRecursive = try c.list(.sectorsRecursive)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(ioServiceBytesRecursive, forKey: .ioServiceBytesRecursive)
        try c.encodeOmitEmpty(ioServicedRecursive, forKey: .ioServicedRecursive)
        try c.encodeOmitEmpty(ioQueuedRecursive, forKey: .ioQueueRecursive)
        try c.encodeOmitEmpty(ioServiceTimeRecursive, forKey: .ioServiceTimeRecursive)
        try c.encodeOmitEmpty(ioWaitTimeRecursive, forKey: .ioWaitTimeRecursive)
        try c.encodeOmitEmpty(ioMergedRecursive, forKey: .ioMergedRecursive)
        try c.encodeOmitEmpty(ioTimeRecursive, forKey: .ioTimeRecursive)
        try c.encodeOmitEmpty(sectorsRecursive, forKey: .sectorsRecursive)
    }
}

public struct HugetlbStats: Codable, Sendable, Equatable {
    public var usage: UInt64 = 0
    public var max: UInt64 = 0
    public var failcnt: UInt64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey { case usage, max, failcnt }
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        usage = try c.u64(.usage); max = try c.u64(.max); failcnt = try c.u64(.failcnt)
    }
    public func encode(to e: Encoder) throws {
        var c = e.container(keyedBy: CodingKeys.self)
        try c.encodeOmitEmpty(usage, forKey: .usage)
        try c.encodeOmitEmpty(max, forKey: .max)
        try c.encode(failcnt, forKey: .failcnt)
    }
}
