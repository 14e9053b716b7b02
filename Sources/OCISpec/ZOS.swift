// config-zos.json: the "zos" object (decoded for schema conformance; not used on Linux).

public struct ZOS: Codable, Sendable, Equatable {
    public var namespaces: [ZOSNamespace]?
}

public struct ZOSNamespace: Codable, Sendable, Equatable {
    /// One of `mount`, `pid`, `uts`, `ipc`.
    public var type: String
    public var path: String?
}

extension ZOSNamespace {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _ = try c.decode(String.self, forKey: .type)
        type = try c.decodeEnumIfPresent(.type, ["mount", "pid", "uts", "ipc"])!
        path = try c.decodeIfPresent(String.self, forKey: .path)
    }
}
