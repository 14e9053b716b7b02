// config-linux.md "Control groups": linux.resources.

public struct LinuxResources: Codable, Sendable, Equatable {
    public var devices: [LinuxDeviceCgroup]?
    public var memory: LinuxMemory?
    public var cpu: LinuxCPU?
    public var pids: LinuxPids?
    public var blockIO: LinuxBlockIO?
    public var hugepageLimits: [LinuxHugepageLimit]?
    public var network: LinuxNetwork?
    public var rdma: [String: LinuxRdma]?
    public var unified: [String: String]?
    public init() {}
}

public struct LinuxDeviceCgroup: Codable, Sendable, Equatable {
    public var allow: Bool
    public var type: String?
    public var major: Int64?
    public var minor: Int64?
    public var access: String?
    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
        self.allow = allow; self.type = type; self.major = major; self.minor = minor; self.access = access
    }
}

public struct LinuxMemory: Codable, Sendable, Equatable {
    public var limit: Int64?
    public var reservation: Int64?
    public var swap: Int64?
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    public var checkBeforeUpdate: Bool?
}

public struct LinuxCPU: Codable, Sendable, Equatable {
    public var shares: UInt64?
    public var quota: Int64?
    public var burst: UInt64?
    public var period: UInt64?
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    public var cpus: String?
    public var mems: String?
    public var idle: Int64?
}

public struct LinuxPids: Codable, Sendable, Equatable {
    public var limit: Int64
    public init(limit: Int64) { self.limit = limit }
}

public struct LinuxWeightDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var weight: UInt16?
    public var leafWeight: UInt16?
}

public struct LinuxThrottleDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var rate: UInt64
}

public struct LinuxBlockIO: Codable, Sendable, Equatable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevice: [LinuxWeightDevice]?
    public var throttleReadBpsDevice: [LinuxThrottleDevice]?
    public var throttleWriteBpsDevice: [LinuxThrottleDevice]?
    public var throttleReadIOPSDevice: [LinuxThrottleDevice]?
    public var throttleWriteIOPSDevice: [LinuxThrottleDevice]?
}

public struct LinuxHugepageLimit: Codable, Sendable, Equatable {
    /// Matches `^[1-9][0-9]*[KMG]B$`, e.g. "2MB", "64KB".
    public var pageSize: String
    public var limit: UInt64
    public init(pageSize: String, limit: UInt64) { self.pageSize = pageSize; self.limit = limit }
}

extension LinuxHugepageLimit {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        pageSize = try c.decode(String.self, forKey: .pageSize)
        guard Schema.isPageSize(pageSize) else {
            throw DecodingError.dataCorruptedError(
                forKey: .pageSize, in: c,
                debugDescription: "invalid page size \"\(pageSize)\" (must match ^[1-9][0-9]*[KMG]B$)")
        }
        limit = try c.decode(UInt64.self, forKey: .limit)
    }
}

public struct LinuxInterfacePriority: Codable, Sendable, Equatable {
    public var name: String
    public var priority: UInt32
}

public struct LinuxNetwork: Codable, Sendable, Equatable {
    public var classID: UInt32?
    public var priorities: [LinuxInterfacePriority]?
}

public struct LinuxRdma: Codable, Sendable, Equatable {
    public var hcaHandles: UInt32?
    public var hcaObjects: UInt32?
}

// Empty values for building resources field by field (`update`), keeping the synthesized
// memberwise initializers.
extension LinuxMemory { public static let unset = LinuxMemory() }
extension LinuxCPU { public static let unset = LinuxCPU() }
extension LinuxBlockIO { public static let unset = LinuxBlockIO() }
