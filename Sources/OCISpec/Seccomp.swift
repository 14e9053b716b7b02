// config-linux.md "Seccomp": linux.seccomp.

public struct LinuxSeccomp: Codable, Sendable, Equatable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [LinuxSyscall]?
}

public struct LinuxSyscall: Codable, Sendable, Equatable {
    public var names: [String]
    public var action: String
    public var errnoRet: UInt32?
    public var args: [LinuxSeccompArg]?
}

public struct LinuxSeccompArg: Codable, Sendable, Equatable {
    public var index: UInt
    public var value: UInt64
    public var valueTwo: UInt64?
    public var op: String
}

extension LinuxSeccomp {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        _ = try c.decode(String.self, forKey: .defaultAction)
        defaultAction = try c.decodeEnumIfPresent(.defaultAction, Schema.seccompActions)!
        defaultErrnoRet = try c.decodeIfPresent(UInt32.self, forKey: .defaultErrnoRet)
        architectures = try c.decodeEnumArrayIfPresent(.architectures, Schema.seccompArchs)
        flags = try c.decodeEnumArrayIfPresent(.flags, Schema.seccompFlags)
        listenerPath = try c.decodeIfPresent(String.self, forKey: .listenerPath)
        listenerMetadata = try c.decodeIfPresent(String.self, forKey: .listenerMetadata)
        syscalls = try c.decodeIfPresent([LinuxSyscall].self, forKey: .syscalls)
    }
}

extension LinuxSyscall {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        names = try c.decode([String].self, forKey: .names)
        if names.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .names, in: c,
                                                   debugDescription: "must contain at least one item")
        }
        _ = try c.decode(String.self, forKey: .action)
        action = try c.decodeEnumIfPresent(.action, Schema.seccompActions)!
        errnoRet = try c.decodeIfPresent(UInt32.self, forKey: .errnoRet)
        args = try c.decodeIfPresent([LinuxSeccompArg].self, forKey: .args)
    }
}

extension LinuxSeccompArg {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        index = try c.decode(UInt.self, forKey: .index)
        value = try c.decode(UInt64.self, forKey: .value)
        valueTwo = try c.decodeIfPresent(UInt64.self, forKey: .valueTwo)
        _ = try c.decode(String.self, forKey: .op)
        op = try c.decodeEnumIfPresent(.op, Schema.seccompOperators)!
    }
}

/// config-linux.md "Container Process State": sent over `listenerPath` with the seccomp fd.
public struct ContainerProcessState: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var fds: [String]?
    public var pid: Int32
    public var metadata: String?
    public var state: State
    public init(ociVersion: String, fds: [String]? = nil, pid: Int32, metadata: String? = nil, state: State) {
        self.ociVersion = ociVersion; self.fds = fds; self.pid = pid; self.metadata = metadata; self.state = state
    }
}
