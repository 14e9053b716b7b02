// config-vm.json: the "vm" object for virtual-machine-based runtimes (decoded for schema conformance).

public struct VM: Codable, Sendable, Equatable {
    public var hypervisor: VMHypervisor?
    public var kernel: VMKernel
    public var image: VMImage?
    public var hwConfig: VMHWConfig?
}

public struct VMHypervisor: Codable, Sendable, Equatable {
    public var path: String
    public var parameters: [String]?
}

public struct VMKernel: Codable, Sendable, Equatable {
    public var path: String
    public var parameters: [String]?
    public var initrd: String?
}

public struct VMImage: Codable, Sendable, Equatable {
    public var path: String
    /// One of `raw`, `qcow2`, `vdi`, `vmdk`, `vhd`.
    public var format: String
}

extension VMImage {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        _ = try c.decode(String.self, forKey: .format)
        format = try c.decodeEnumIfPresent(.format, ["raw", "qcow2", "vdi", "vmdk", "vhd"])!
    }
}

public struct VMHWConfig: Codable, Sendable, Equatable {
    public var deviceTree: String?
    public var vcpus: UInt32?
    public var memory: UInt64?
    public var dtdevs: [String]?
    public var iomems: [VMIOMem]?
    public var irqs: [UInt32]?
}

public struct VMIOMem: Codable, Sendable, Equatable {
    public var firstGFN: UInt64?
    public var firstMFN: UInt64
    public var nrMFNs: UInt64
}
