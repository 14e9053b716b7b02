// OCI runtime-spec v1.3.0 configuration (config.md). Property names are the JSON keys.
// Pure Codable: no syscalls here. Unknown JSON keys are ignored.

public struct Spec: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var process: Process?
    public var root: Root?
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?
    public var freebsd: FreeBSD?
    public var solaris: Solaris?
    public var windows: Windows?
    public var vm: VM?
    public var zos: ZOS?

    public init(ociVersion: String, process: Process? = nil, root: Root? = nil, hostname: String? = nil,
                domainname: String? = nil, mounts: [Mount]? = nil, hooks: Hooks? = nil,
                annotations: [String: String]? = nil, linux: Linux? = nil, freebsd: FreeBSD? = nil,
                solaris: Solaris? = nil, windows: Windows? = nil, vm: VM? = nil, zos: ZOS? = nil) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
        self.freebsd = freebsd
        self.solaris = solaris
        self.windows = windows
        self.vm = vm
        self.zos = zos
    }
}

public struct Root: Codable, Sendable, Equatable {
    public var path: String
    public var readonly: Bool?
    public init(path: String, readonly: Bool? = nil) { self.path = path; self.readonly = readonly }
}

public struct Mount: Codable, Sendable, Equatable {
    public var destination: String
    public var type: String?
    public var source: String?
    public var options: [String]?
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil,
                uidMappings: [LinuxIDMapping]? = nil, gidMappings: [LinuxIDMapping]? = nil) {
        self.destination = destination
        self.type = type
        self.source = source
        self.options = options
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
    }
}

public struct Hook: Codable, Sendable, Equatable {
    public var path: String
    public var args: [String]?
    public var env: [String]?
    /// Seconds before the hook is aborted; the schema requires at least 1.
    public var timeout: Int?
    public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
        self.path = path; self.args = args; self.env = env; self.timeout = timeout
    }
}

extension Hook {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        args = try c.decodeIfPresent([String].self, forKey: .args)
        env = try c.decodeIfPresent([String].self, forKey: .env)
        timeout = try c.decodeRangedIfPresent(Int.self, .timeout, 1...Int.max)
    }
}

public struct Hooks: Codable, Sendable, Equatable {
    public var prestart: [Hook]?
    public var createRuntime: [Hook]?
    public var createContainer: [Hook]?
    public var startContainer: [Hook]?
    public var poststart: [Hook]?
    public var poststop: [Hook]?
    public init() {}
}
