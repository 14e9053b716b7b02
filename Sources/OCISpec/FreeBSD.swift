// config-freebsd.json: the "freebsd" object (decoded for schema conformance; not used on Linux).

public struct FreeBSD: Codable, Sendable, Equatable {
    public var devices: [FreeBSDDevice]?
    public var jail: FreeBSDJail?
    public init(devices: [FreeBSDDevice]? = nil, jail: FreeBSDJail? = nil) { self.devices = devices; self.jail = jail }
}

public struct FreeBSDDevice: Codable, Sendable, Equatable {
    public var path: String?
    public var mode: UInt32?
}

/// Jail sharing mode: `disable`, `new` or `inherit` (`host` and `vnet` do not allow `disable`).
public enum FreeBSDSharingMode: String, Codable, Sendable, Equatable {
    case disable, new, inherit
}

public struct FreeBSDJail: Codable, Sendable, Equatable {
    public var parent: String?
    public var host: FreeBSDSharingMode?
    public var ip4: FreeBSDSharingMode?
    public var ip4Addr: [String]?
    public var ip6: FreeBSDSharingMode?
    public var ip6Addr: [String]?
    public var vnet: FreeBSDSharingMode?
    public var interface: String?
    public var vnetInterfaces: [String]?
    public var sysvmsg: FreeBSDSharingMode?
    public var sysvsem: FreeBSDSharingMode?
    public var sysvshm: FreeBSDSharingMode?
    public var enforceStatfs: UInt8?
    public var allow: FreeBSDJailAllow?
}

extension FreeBSDJail {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        let all = ["disable", "new", "inherit"], noDisable = ["new", "inherit"]
        func mode(_ k: CodingKeys, _ allowed: [String]) throws -> FreeBSDSharingMode? {
            try c.decodeEnumIfPresent(k, allowed).flatMap(FreeBSDSharingMode.init(rawValue:))
        }
        parent = try c.decodeIfPresent(String.self, forKey: .parent)
        host = try mode(.host, noDisable)
        ip4 = try mode(.ip4, all)
        ip4Addr = try c.decodeIfPresent([String].self, forKey: .ip4Addr)
        ip6 = try mode(.ip6, all)
        ip6Addr = try c.decodeIfPresent([String].self, forKey: .ip6Addr)
        vnet = try mode(.vnet, noDisable)
        interface = try c.decodeIfPresent(String.self, forKey: .interface)
        vnetInterfaces = try c.decodeIfPresent([String].self, forKey: .vnetInterfaces)
        sysvmsg = try mode(.sysvmsg, all)
        sysvsem = try mode(.sysvsem, all)
        sysvshm = try mode(.sysvshm, all)
        enforceStatfs = try c.decodeIfPresent(UInt8.self, forKey: .enforceStatfs)
        allow = try c.decodeIfPresent(FreeBSDJailAllow.self, forKey: .allow)
    }
}

public struct FreeBSDJailAllow: Codable, Sendable, Equatable {
    public var setHostname: Bool?
    public var rawSockets: Bool?
    public var chflags: Bool?
    public var mount: [String]?
    public var quotas: Bool?
    public var socketAf: Bool?
    public var mlock: Bool?
    public var reservedPorts: Bool?
    public var suser: Bool?
}
