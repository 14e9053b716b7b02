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
    /// Keys are clock names: `boottime` or `monotonic`.
    public var timeOffsets: [String: LinuxTimeOffset]?
    public init() {}
}

extension Linux {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        uidMappings = try c.decodeIfPresent([LinuxIDMapping].self, forKey: .uidMappings)
        gidMappings = try c.decodeIfPresent([LinuxIDMapping].self, forKey: .gidMappings)
        sysctl = try c.decodeIfPresent([String: String].self, forKey: .sysctl)
        resources = try c.decodeIfPresent(LinuxResources.self, forKey: .resources)
        cgroupsPath = try c.decodeIfPresent(String.self, forKey: .cgroupsPath)
        namespaces = try c.decodeIfPresent([LinuxNamespace].self, forKey: .namespaces)
        devices = try c.decodeIfPresent([LinuxDevice].self, forKey: .devices)
        netDevices = try c.decodeIfPresent([String: LinuxNetDevice].self, forKey: .netDevices)
        seccomp = try c.decodeIfPresent(LinuxSeccomp.self, forKey: .seccomp)
        rootfsPropagation = try c.decodeEnumIfPresent(.rootfsPropagation, Schema.rootfsPropagations)
        maskedPaths = try c.decodeIfPresent([String].self, forKey: .maskedPaths)
        readonlyPaths = try c.decodeIfPresent([String].self, forKey: .readonlyPaths)
        mountLabel = try c.decodeIfPresent(String.self, forKey: .mountLabel)
        intelRdt = try c.decodeIfPresent(LinuxIntelRdt.self, forKey: .intelRdt)
        memoryPolicy = try c.decodeIfPresent(LinuxMemoryPolicy.self, forKey: .memoryPolicy)
        personality = try c.decodeIfPresent(LinuxPersonality.self, forKey: .personality)
        timeOffsets = try c.decodeIfPresent([String: LinuxTimeOffset].self, forKey: .timeOffsets)
    }
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
    public init(path: String, type: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
                uid: UInt32? = nil, gid: UInt32? = nil) {
        self.path = path; self.type = type; self.major = major; self.minor = minor
        self.fileMode = fileMode; self.uid = uid; self.gid = gid
    }
}

public struct LinuxNetDevice: Codable, Sendable, Equatable {
    public var name: String?
    public init(name: String? = nil) { self.name = name }
}

public struct LinuxTimeOffset: Codable, Sendable, Equatable {
    public var secs: Int64?
    public var nanosecs: UInt32?
    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) { self.secs = secs; self.nanosecs = nanosecs }
}

public struct LinuxIntelRdt: Codable, Sendable, Equatable {
    public var closID: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
    public var schemata: [String]?
    public var enableMonitoring: Bool?
    public init() {}
}

extension LinuxIntelRdt {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        closID = try c.decodeIfPresent(String.self, forKey: .closID)
        l3CacheSchema = try c.decodeIfPresent(String.self, forKey: .l3CacheSchema)
        memBwSchema = try c.decodeIfPresent(String.self, forKey: .memBwSchema)
        if let m = memBwSchema, !m.hasBytePrefix("MB:") || m.contains("\n") {
            throw DecodingError.dataCorruptedError(forKey: .memBwSchema, in: c,
                                                   debugDescription: "invalid value \"\(m)\" (must match ^MB:[^\\n]*$)")
        }
        schemata = try c.decodeIfPresent([String].self, forKey: .schemata)
        enableMonitoring = try c.decodeIfPresent(Bool.self, forKey: .enableMonitoring)
    }
}

public struct LinuxMemoryPolicy: Codable, Sendable, Equatable {
    public var mode: String
    public var nodes: String?
    public var flags: [String]?
    public init(mode: String, nodes: String? = nil, flags: [String]? = nil) {
        self.mode = mode; self.nodes = nodes; self.flags = flags
    }
}

extension LinuxMemoryPolicy {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _ = try c.decode(String.self, forKey: .mode)
        mode = try c.decodeEnumIfPresent(.mode, Schema.memoryPolicyModes)!
        nodes = try c.decodeIfPresent(String.self, forKey: .nodes)
        flags = try c.decodeEnumArrayIfPresent(.flags, Schema.memoryPolicyFlags)
    }
}

public struct LinuxPersonality: Codable, Sendable, Equatable {
    public var domain: String
    public var flags: [String]?
    public init(domain: String, flags: [String]? = nil) { self.domain = domain; self.flags = flags }
}

extension LinuxPersonality {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _ = try c.decode(String.self, forKey: .domain)
        domain = try c.decodeEnumIfPresent(.domain, Schema.personalityDomains)!
        flags = try c.decodeIfPresent([String].self, forKey: .flags)
    }
}
