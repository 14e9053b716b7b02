// config.md "process" and its Linux members.

public struct Process: Codable, Sendable, Equatable {
    public var terminal: Bool?
    public var consoleSize: Box?
    public var user: User
    public var args: [String]?
    public var commandLine: String?
    public var env: [String]?
    public var cwd: String
    public var capabilities: LinuxCapabilities?
    public var rlimits: [POSIXRlimit]?
    public var noNewPrivileges: Bool?
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var scheduler: Scheduler?
    public var selinuxLabel: String?
    public var ioPriority: LinuxIOPriority?
    public var execCPUAffinity: CPUAffinity?
    /// Landlock confinement (a runtime-spec proposal; see Landlock.swift).
    public var landlock: LinuxLandlock?

    public init(user: User = User(), args: [String]? = nil, env: [String]? = nil, cwd: String = "/") {
        self.user = user; self.args = args; self.env = env; self.cwd = cwd
    }

    enum CodingKeys: String, CodingKey {
        case terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits, noNewPrivileges,
             apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity, landlock
    }

    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        terminal = try c.decodeIfPresent(Bool.self, forKey: .terminal)
        consoleSize = try c.decodeIfPresent(Box.self, forKey: .consoleSize)
        // Linux requires user; tolerate its absence (uid 0) so that minimal configs decode.
        user = try c.decodeIfPresent(User.self, forKey: .user) ?? User()
        args = try c.decodeIfPresent([String].self, forKey: .args)
        commandLine = try c.decodeIfPresent(String.self, forKey: .commandLine)
        env = try c.decodeIfPresent([String].self, forKey: .env)
        cwd = try c.decode(String.self, forKey: .cwd)
        capabilities = try c.decodeIfPresent(LinuxCapabilities.self, forKey: .capabilities)
        rlimits = try c.decodeIfPresent([POSIXRlimit].self, forKey: .rlimits)
        noNewPrivileges = try c.decodeIfPresent(Bool.self, forKey: .noNewPrivileges)
        apparmorProfile = try c.decodeIfPresent(String.self, forKey: .apparmorProfile)
        oomScoreAdj = try c.decodeIfPresent(Int.self, forKey: .oomScoreAdj)
        scheduler = try c.decodeIfPresent(Scheduler.self, forKey: .scheduler)
        selinuxLabel = try c.decodeIfPresent(String.self, forKey: .selinuxLabel)
        ioPriority = try c.decodeIfPresent(LinuxIOPriority.self, forKey: .ioPriority)
        execCPUAffinity = try c.decodeIfPresent(CPUAffinity.self, forKey: .execCPUAffinity)
        landlock = try c.decodeIfPresent(LinuxLandlock.self, forKey: .landlock)
    }
}

public struct Box: Codable, Sendable, Equatable {
    public var height: UInt
    public var width: UInt
    public init(height: UInt, width: UInt) { self.height = height; self.width = width }
}

public struct User: Codable, Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32?
    public var additionalGids: [UInt32]?
    public var username: String?
    public init(uid: UInt32 = 0, gid: UInt32 = 0) { self.uid = uid; self.gid = gid }
}

public struct LinuxCapabilities: Codable, Sendable, Equatable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?
    public init() {}
}

public struct POSIXRlimit: Codable, Sendable, Equatable {
    public var type: String
    public var hard: UInt64
    public var soft: UInt64
    public init(type: String, hard: UInt64, soft: UInt64) { self.type = type; self.hard = hard; self.soft = soft }
}

public struct Scheduler: Codable, Sendable, Equatable {
    public var policy: String
    public var nice: Int32?
    public var priority: Int32?
    public var flags: [String]?
    public var runtime: UInt64?
    public var deadline: UInt64?
    public var period: UInt64?
    public init(policy: String) { self.policy = policy }
}

extension Scheduler {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _ = try c.decode(String.self, forKey: .policy)
        policy = try c.decodeEnumIfPresent(.policy, Schema.schedulerPolicies)!
        nice = try c.decodeIfPresent(Int32.self, forKey: .nice)
        priority = try c.decodeIfPresent(Int32.self, forKey: .priority)
        flags = try c.decodeEnumArrayIfPresent(.flags, Schema.schedulerFlags)
        runtime = try c.decodeIfPresent(UInt64.self, forKey: .runtime)
        deadline = try c.decodeIfPresent(UInt64.self, forKey: .deadline)
        period = try c.decodeIfPresent(UInt64.self, forKey: .period)
    }
}

public struct LinuxIOPriority: Codable, Sendable, Equatable {
    public var `class`: String
    public var priority: Int?
    public init(class cls: String, priority: Int? = nil) { self.class = cls; self.priority = priority }
}

extension LinuxIOPriority {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _ = try c.decode(String.self, forKey: .class)
        self.class = try c.decodeEnumIfPresent(.class, Schema.ioPriorityClasses)!
        priority = try c.decodeRangedIfPresent(Int.self, .priority, Int(Int32.min)...Int(Int32.max))
    }
}

public struct CPUAffinity: Codable, Sendable, Equatable {
    public var initial: String?
    public var final: String?
    public init(initial: String? = nil, final: String? = nil) { self.initial = initial; self.final = final }
}

extension CPUAffinity {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        func list(_ k: CodingKeys) throws -> String? {
            guard let v = try c.decodeIfPresent(String.self, forKey: k) else { return nil }
            guard Schema.isCPUList(v) else {
                throw DecodingError.dataCorruptedError(forKey: k, in: c,
                                                       debugDescription: "invalid CPU list \"\(v)\"")
            }
            return v
        }
        initial = try list(.initial)
        final = try list(.final)
    }
}
