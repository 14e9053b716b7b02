// config-linux.md: the "linux" object. Resources and seccomp live in their own files.

public struct Linux: Codable, Sendable, Equatable {
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    public var sysctl: [String: String]?
    public var resources: LinuxResources?
    public var cgroupsPath: String?
    public var namespaces: [LinuxNamespace]?
    public var devices: [LinuxDevice]?
    public var netDevices: [String: LinuxNetDevice]?
    public var seccomp: LinuxSeccomp?
    public var rootfsPropagation: String?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var intelRdt: LinuxIntelRdt?
    public var memoryPolicy: LinuxMemoryPolicy?
    public var personality: LinuxPersonality?
    public var timeOffsets: [String: LinuxTimeOffset]?
    public init() {}
}

public struct LinuxIDMapping: Codable, Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID; self.hostID = hostID; self.size = size
    }
}

/// `type` stays a String so validation can report unknown values with their JSON path.
public struct LinuxNamespace: Codable, Sendable, Equatable {
    public var type: String
    public var path: String?
    public init(type: String, path: String? = nil) { self.type = type; self.path = path }
}

public struct LinuxDevice: Codable, Sendable, Equatable {
    public var path: String
    public var type: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
}

public struct LinuxNetDevice: Codable, Sendable, Equatable {
    public var name: String?
}

public struct LinuxTimeOffset: Codable, Sendable, Equatable {
    public var secs: Int64?
    public var nanosecs: UInt32?
}

public struct LinuxIntelRdt: Codable, Sendable, Equatable {
    public var closID: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
    public var schemata: [String]?
    public var enableMonitoring: Bool?
}

public struct LinuxMemoryPolicy: Codable, Sendable, Equatable {
    public var mode: String
    public var nodes: String?
    public var flags: [String]?
}

public struct LinuxPersonality: Codable, Sendable, Equatable {
    public var domain: String
    public var flags: [String]?
}
