import OCISpec

/// The v1 devices-cgroup semantics of an ordered rule list, reduced to a default verdict and a set of
/// exceptions (runc's emulator): a rule of type "a" (or no type) resets the list — deny-all means
/// "default deny, no exceptions", allow-all means "default allow, no exceptions"; any other rule with the
/// default's opposite verdict adds an exception, and one with the default's verdict removes access from a
/// matching exception (refusing to punch a hole in a wildcard exception, which v1 silently ignores).
/// Later rules therefore win. The starting state is "allow all", as a new v1 cgroup inherits from the
/// root; a list that starts with `{"allow": false, "access": "rwm"}` is a default-deny allow-list.
public struct DeviceRuleSet: Equatable, Sendable {
    public struct Key: Hashable, Sendable {
        public var type: Character     // "c" or "b"
        public var major: Int64        // -1: any
        public var minor: Int64        // -1: any
    }
    public struct Exception: Equatable, Sendable {
        public var key: Key
        public var access: UInt8       // bit 0 m, bit 1 r, bit 2 w (BPF_DEVCG_ACC_*)
    }

    public private(set) var defaultAllow: Bool
    public private(set) var exceptions: [Exception]

    public init(defaultAllow: Bool = true) {
        self.defaultAllow = defaultAllow
        self.exceptions = []
    }

    public static let mknod: UInt8 = 1, read: UInt8 = 2, write: UInt8 = 4, all: UInt8 = 7

    public static func access(_ s: String?) throws -> UInt8 {
        guard let s, !s.isEmpty else { return all }
        var a: UInt8 = 0
        for ch in s {
            switch ch {
            case "r": a |= read
            case "w": a |= write
            case "m": a |= mknod
            default: throw CgroupError("invalid device access \"\(s)\"")
            }
        }
        return a
    }

    public init(rules: [LinuxDeviceCgroup]) throws {
        self.init()
        for r in rules { try apply(r) }
    }

    public mutating func apply(_ r: LinuxDeviceCgroup) throws {
        let acc = try Self.access(r.access)
        let type: Character
        switch r.type ?? "a" {
        case "a", "": defaultAllow = r.allow; exceptions = []; return
        case "c": type = "c"
        case "b": type = "b"
        default: throw CgroupError("invalid device type \"\(r.type ?? "")\"")
        }
        let key = Key(type: type, major: r.major ?? -1, minor: r.minor ?? -1)
        if key.major < -1 || key.minor < -1 { throw CgroupError("invalid device number \(key.major):\(key.minor)") }
        if r.allow != defaultAllow {
            if let i = exceptions.firstIndex(where: { $0.key == key }) { exceptions[i].access |= acc }
            else { exceptions.append(Exception(key: key, access: acc)) }
        } else {
            for wild in [Key(type: type, major: -1, minor: key.minor), Key(type: type, major: key.major, minor: -1),
                         Key(type: type, major: -1, minor: -1)] where wild != key {
                if let e = exceptions.first(where: { $0.key == wild }), e.access & acc != 0 {
                    throw CgroupError("device rule \(type) \(Self.num(key.major)):\(Self.num(key.minor)) cannot punch a hole in the wildcard rule \(type) \(Self.num(wild.major)):\(Self.num(wild.minor))")
                }
            }
            if let i = exceptions.firstIndex(where: { $0.key == key }) {
                exceptions[i].access &= ~acc
                if exceptions[i].access == 0 { exceptions.remove(at: i) }
            }
        }
    }

    static func num(_ n: Int64) -> String { n < 0 ? "*" : String(n) }

    /// v1 devices.allow / devices.deny lines reproducing this set: the reset line first ("a" to
    /// devices.deny or devices.allow), then one line per exception to the opposite file.
    public var v1Lines: [(file: String, line: String)] {
        var out: [(String, String)] = [(defaultAllow ? "devices.allow" : "devices.deny", "a *:* rwm")]
        for e in exceptions {
            var a = ""
            if e.access & Self.read != 0 { a += "r" }
            if e.access & Self.write != 0 { a += "w" }
            if e.access & Self.mknod != 0 { a += "m" }
            out.append((defaultAllow ? "devices.deny" : "devices.allow", "\(e.key.type) \(Self.num(e.key.major)):\(Self.num(e.key.minor)) \(a)"))
        }
        return out
    }
}
