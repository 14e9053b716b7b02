// config-windows.json: the "windows" object (decoded for schema conformance; not used on Linux).

public struct Windows: Codable, Sendable, Equatable {
    public var layerFolders: [String]
    public var devices: [WindowsDevice]?
    public var resources: WindowsResources?
    public var network: WindowsNetwork?
    public var credentialSpec: JSONValue?
    public var servicing: Bool?
    public var ignoreFlushesDuringBoot: Bool?
    public var hyperv: WindowsHyperV?
}

extension Windows {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        layerFolders = try c.decode([String].self, forKey: .layerFolders)
        if layerFolders.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .layerFolders, in: c,
                                                   debugDescription: "must contain at least one item")
        }
        devices = try c.decodeIfPresent([WindowsDevice].self, forKey: .devices)
        resources = try c.decodeIfPresent(WindowsResources.self, forKey: .resources)
        network = try c.decodeIfPresent(WindowsNetwork.self, forKey: .network)
        credentialSpec = try c.decodeIfPresent(JSONValue.self, forKey: .credentialSpec)
        if let cs = credentialSpec, case .object = cs {} else if credentialSpec != nil {
            throw DecodingError.typeMismatch([String: JSONValue].self, .init(
                codingPath: c.codingPath + [CodingKeys.credentialSpec],
                debugDescription: "Expected to decode Dictionary<String, Any> but found another type instead."))
        }
        servicing = try c.decodeIfPresent(Bool.self, forKey: .servicing)
        ignoreFlushesDuringBoot = try c.decodeIfPresent(Bool.self, forKey: .ignoreFlushesDuringBoot)
        hyperv = try c.decodeIfPresent(WindowsHyperV.self, forKey: .hyperv)
    }
}

public struct WindowsDevice: Codable, Sendable, Equatable {
    public var id: String
    /// Only `class` is defined.
    public var idType: String
}

extension WindowsDevice {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        _ = try c.decode(String.self, forKey: .idType)
        idType = try c.decodeEnumIfPresent(.idType, ["class"])!
    }
}

public struct WindowsResources: Codable, Sendable, Equatable {
    public var memory: WindowsMemoryResources?
    public var cpu: WindowsCPUResources?
    public var storage: WindowsStorageResources?
}

public struct WindowsMemoryResources: Codable, Sendable, Equatable {
    public var limit: UInt64?
}

public struct WindowsCPUResources: Codable, Sendable, Equatable {
    public var count: UInt64?
    public var shares: UInt16?
    public var maximum: UInt16?
    public var affinity: WindowsCPUAffinity?
}

public struct WindowsCPUAffinity: Codable, Sendable, Equatable {
    public var mask: UInt64?
    public var group: UInt32?
}

public struct WindowsStorageResources: Codable, Sendable, Equatable {
    public var iops: UInt64?
    public var bps: UInt64?
    public var sandboxSize: UInt64?
}

public struct WindowsNetwork: Codable, Sendable, Equatable {
    public var endpointList: [String]?
    public var allowUnqualifiedDNSQuery: Bool?
    public var DNSSearchList: [String]?
    public var networkSharedContainerName: String?
    public var networkNamespace: String?
}

public struct WindowsHyperV: Codable, Sendable, Equatable {
    public var utilityVMPath: String?
}
