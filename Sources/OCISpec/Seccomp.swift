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
