// config-solaris.json: the "solaris" object (decoded for schema conformance; not used on Linux).

public struct Solaris: Codable, Sendable, Equatable {
    public var milestone: String?
    public var limitpriv: String?
    public var maxShmMemory: String?
    public var cappedCPU: SolarisCappedCPU?
    public var cappedMemory: SolarisCappedMemory?
    public var anet: [SolarisAnet]?
}

public struct SolarisCappedCPU: Codable, Sendable, Equatable {
    public var ncpus: String?
}

public struct SolarisCappedMemory: Codable, Sendable, Equatable {
    public var physical: String?
    public var swap: String?
}

public struct SolarisAnet: Codable, Sendable, Equatable {
    public var linkname: String?
    public var lowerLink: String?
    public var allowedAddress: String?
    public var configureAllowedAddress: String?
    public var defrouter: String?
    public var macAddress: String?
    public var linkProtection: String?
}
