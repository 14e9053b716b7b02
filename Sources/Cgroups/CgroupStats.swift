/// The "data" object of runc's `events --stats` (runc types.Stats), with runc's JSON keys. Encoding
/// mirrors Go's omitempty: fields marked `@OmitEmpty` (omitempty in runc's types) are left out when
/// zero or empty, the others (`@Always`, and nested structs) are always present; any missing key
/// decodes as zero. PSI, memory event counts, intel_rdt and network interfaces are not collected
/// ("intel_rdt" encodes as {}, "network_interfaces" as null, as runc prints them).
public struct CgroupStats: Codable, Sendable, Equatable {
    @Always public var cpu = CPUStats()
    @Always public var cpuset = CPUSetStats()
    @Always public var memory = MemoryStats()
    @Always public var pids = PidsStats()
    @Always public var blkio = BlkioStats()
    @Always public var hugetlb: [String: HugetlbStats] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey { case cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt, network_interfaces }
    struct Empty: Codable {}

    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _cpu = try c.decode(Always<CPUStats>.self, forKey: .cpu)
        _cpuset = try c.decode(Always<CPUSetStats>.self, forKey: .cpuset)
        _memory = try c.decode(Always<MemoryStats>.self, forKey: .memory)
        _pids = try c.decode(Always<PidsStats>.self, forKey: .pids)
        _blkio = try c.decode(Always<BlkioStats>.self, forKey: .blkio)
        _hugetlb = try c.decode(Always<[String: HugetlbStats]>.self, forKey: .hugetlb)
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

public struct CPUUsage: Codable, Sendable, Equatable, StatsValue {
    /// Nanoseconds.
    @OmitEmpty public var total: UInt64 = 0
    @OmitEmpty public var percpu: [UInt64] = []
    @OmitEmpty public var percpuKernel: [UInt64] = []
    @OmitEmpty public var percpuUser: [UInt64] = []
    @Always public var kernel: UInt64 = 0
    @Always public var user: UInt64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey {
        case total, percpu, percpuKernel = "percpu_kernel", percpuUser = "percpu_user", kernel, user
    }
}

public struct ThrottlingStats: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var periods: UInt64 = 0
    @OmitEmpty public var throttledPeriods: UInt64 = 0
    /// Nanoseconds.
    @OmitEmpty public var throttledTime: UInt64 = 0
    public init() {}
}

public struct CPUStats: Codable, Sendable, Equatable, StatsValue {
    @Always public var usage = CPUUsage()
    @Always public var throttling = ThrottlingStats()
    public init() {}
}

public struct CPUSetStats: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var cpus: [UInt16] = []
    @Always public var cpuExclusive: UInt64 = 0
    @OmitEmpty public var mems: [UInt16] = []
    @Always public var memHardwall: UInt64 = 0
    @Always public var memExclusive: UInt64 = 0
    @Always public var memoryMigrate: UInt64 = 0
    @Always public var memorySpreadPage: UInt64 = 0
    @Always public var memorySpreadSlab: UInt64 = 0
    @Always public var memoryPressure: UInt64 = 0
    @Always public var schedLoadBalance: UInt64 = 0
    @Always public var schedRelaxDomainLevel: Int64 = 0
    public init() {}
    enum CodingKeys: String, CodingKey {
        case cpus, cpuExclusive = "cpu_exclusive", mems, memHardwall = "mem_hardwall", memExclusive = "mem_exclusive"
        case memoryMigrate = "memory_migrate", memorySpreadPage = "memory_spread_page"
        case memorySpreadSlab = "memory_spread_slab", memoryPressure = "memory_pressure"
        case schedLoadBalance = "sched_load_balance", schedRelaxDomainLevel = "sched_relax_domain_level"
    }
}

public struct MemoryEntry: Codable, Sendable, Equatable, StatsValue {
    @Always public var limit: UInt64 = 0
    @OmitEmpty public var usage: UInt64 = 0
    @OmitEmpty public var max: UInt64 = 0
    @Always public var failcnt: UInt64 = 0
    public init() {}
}

public struct MemoryStats: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var cache: UInt64 = 0
    @Always public var usage = MemoryEntry()
    @Always public var swap = MemoryEntry()
    @Always public var kernel = MemoryEntry()
    @Always public var kernelTCP = MemoryEntry()
    @OmitEmpty public var raw: [String: UInt64] = [:]
    public init() {}
}

public struct PidsStats: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var current: UInt64 = 0
    /// 0 when unlimited.
    @OmitEmpty public var limit: UInt64 = 0
    public init() {}
}

public struct BlkioEntry: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var major: UInt64 = 0
    @OmitEmpty public var minor: UInt64 = 0
    @OmitEmpty public var op: String = ""
    @OmitEmpty public var value: UInt64 = 0
    public init(major: UInt64 = 0, minor: UInt64 = 0, op: String = "", value: UInt64 = 0) {
        self.major = major; self.minor = minor; self.op = op; self.value = value
    }
    public init() { self.init(major: 0) }
}

public struct BlkioStats: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var ioServiceBytesRecursive: [BlkioEntry] = []
    @OmitEmpty public var ioServicedRecursive: [BlkioEntry] = []
    @OmitEmpty public var ioQueuedRecursive: [BlkioEntry] = []
    @OmitEmpty public var ioServiceTimeRecursive: [BlkioEntry] = []
    @OmitEmpty public var ioWaitTimeRecursive: [BlkioEntry] = []
    @OmitEmpty public var ioMergedRecursive: [BlkioEntry] = []
    @OmitEmpty public var ioTimeRecursive: [BlkioEntry] = []
    @OmitEmpty public var sectorsRecursive: [BlkioEntry] = []
    public init() {}
    enum CodingKeys: String, CodingKey {
        case ioServiceBytesRecursive, ioServicedRecursive, ioQueuedRecursive = "ioQueueRecursive", ioServiceTimeRecursive
        case ioWaitTimeRecursive, ioMergedRecursive, ioTimeRecursive, sectorsRecursive
    }
}

public struct HugetlbStats: Codable, Sendable, Equatable, StatsValue {
    @OmitEmpty public var usage: UInt64 = 0
    @OmitEmpty public var max: UInt64 = 0
    @Always public var failcnt: UInt64 = 0
    public init() {}
}
