// process.landlock: the shape of runtime-spec pull requests #1111/#1241 ("Landlock LSM
// support"), brought up to the kernel's Landlock ABI 7: network ports (ABI 4), IPC scopes
// (ABI 6) and the landlock_restrict_self(2) logging flags (ABI 7). See Docs/LANDLOCK.md.
// A runtime-spec extension: runc and the published schema do not know it.

public struct LinuxLandlock: Codable, Sendable, Equatable {
    /// What the domain handles: every handled right is denied unless a rule allows it.
    public var ruleset: LandlockRuleset?
    /// What is allowed, and where.
    public var rules: LandlockRules?
    /// false (default): rights the running kernel lacks are dropped with a warning (best effort).
    /// true: such a config fails to create.
    public var disableBestEffort: Bool?
    /// landlock_restrict_self(2) flags (ABI 7, audit logging), named without the
    /// `LANDLOCK_RESTRICT_SELF_` prefix: `log_same_exec_off`, `log_new_exec_on`, `log_subdomains_off`.
    public var restrictSelfFlags: [String]?

    public init(ruleset: LandlockRuleset? = nil, rules: LandlockRules? = nil, disableBestEffort: Bool? = nil) {
        self.ruleset = ruleset; self.rules = rules; self.disableBestEffort = disableBestEffort
    }
}

public struct LandlockRuleset: Codable, Sendable, Equatable {
    /// `LANDLOCK_ACCESS_FS_*` names without the prefix, lower-case (`execute`, `write_file`, ...).
    public var handledAccessFS: [String]?
    /// `LANDLOCK_ACCESS_NET_*`: `bind_tcp`, `connect_tcp`.
    public var handledAccessNet: [String]?
    /// `LANDLOCK_SCOPE_*`: `abstract_unix_socket`, `signal`.
    public var scoped: [String]?

    public init(handledAccessFS: [String]? = nil, handledAccessNet: [String]? = nil, scoped: [String]? = nil) {
        self.handledAccessFS = handledAccessFS; self.handledAccessNet = handledAccessNet; self.scoped = scoped
    }
}

public struct LandlockRules: Codable, Sendable, Equatable {
    public var pathBeneath: [LandlockPathBeneath]?
    public var netPort: [LandlockNetPort]?

    public init(pathBeneath: [LandlockPathBeneath]? = nil, netPort: [LandlockNetPort]? = nil) {
        self.pathBeneath = pathBeneath; self.netPort = netPort
    }
}

/// LANDLOCK_RULE_PATH_BENEATH: `allowedAccess` on each of `paths` (a directory and what is beneath
/// it, or a file), paths as the container sees them.
public struct LandlockPathBeneath: Codable, Sendable, Equatable {
    public var allowedAccess: [String]?
    public var paths: [String]?

    public init(allowedAccess: [String]? = nil, paths: [String]? = nil) {
        self.allowedAccess = allowedAccess; self.paths = paths
    }
}

/// LANDLOCK_RULE_NET_PORT: `allowedAccess` on each TCP port of `ports`.
public struct LandlockNetPort: Codable, Sendable, Equatable {
    public var allowedAccess: [String]?
    public var ports: [UInt64]?

    public init(allowedAccess: [String]? = nil, ports: [UInt64]? = nil) {
        self.allowedAccess = allowedAccess; self.ports = ports
    }
}

/// The names process.landlock accepts (the kernel's, by ABI, are in LinuxSys's Landlock table).
public enum LandlockNames {
    public static let accessFS = ["execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
                                  "make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block",
                                  "make_sym", "refer", "truncate", "ioctl_dev"]
    /// The filesystem rights that apply to a file (the others only to a directory's content).
    public static let fileAccessFS = ["execute", "write_file", "read_file", "truncate", "ioctl_dev"]
    public static let accessNet = ["bind_tcp", "connect_tcp"]
    public static let scopes = ["abstract_unix_socket", "signal"]
    public static let restrictSelfFlags = ["log_same_exec_off", "log_new_exec_on", "log_subdomains_off"]
}

extension LinuxLandlock {
    /// What `spec --landlock` adds: read and execute everything, write only under /tmp and to
    /// device files in /dev, bind TCP port 8080 only and connect nowhere, no signals or abstract
    /// unix sockets towards processes outside the container's domain.
    public static let example = LinuxLandlock(
        ruleset: LandlockRuleset(handledAccessFS: LandlockNames.accessFS, handledAccessNet: LandlockNames.accessNet,
                                 scoped: LandlockNames.scopes),
        rules: LandlockRules(
            pathBeneath: [
                LandlockPathBeneath(allowedAccess: ["execute", "read_file", "read_dir"], paths: ["/"]),
                LandlockPathBeneath(allowedAccess: ["write_file", "read_file", "truncate", "ioctl_dev"], paths: ["/dev"]),
                LandlockPathBeneath(allowedAccess: ["write_file", "remove_dir", "remove_file", "make_dir", "make_reg",
                                                    "make_sym", "make_fifo", "make_sock", "refer", "truncate"],
                                    paths: ["/tmp"]),
            ],
            netPort: [LandlockNetPort(allowedAccess: ["bind_tcp"], ports: [8080])]),
        disableBestEffort: false)
}
