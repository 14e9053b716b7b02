// Semantic checks on a decoded config.json, run before anything is created.
// The first problem found is thrown as a SpecError; non-fatal findings are returned as warnings.

public enum SpecValidator {
    /// Linux namespace types (config-linux.md "Namespaces").
    public static let namespaceTypes: Set<String> = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"]

    /// Resource limits known to Linux setrlimit(2).
    public static let rlimitTypes: Set<String> = [
        "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS", "RLIMIT_MEMLOCK",
        "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO",
        "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
    ]

    /// IPC sysctls that are namespaced by the IPC namespace (besides the `fs.mqueue.` prefix).
    static let ipcSysctls: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ]

    /// Validates `spec`. Returns warnings. `process` is optional: config.md requires it only when
    /// `start` is called (`start` refuses a container without it).
    public static func validate(_ spec: Spec, file: String = "config.json") throws -> [String] {
        var v = Checker(spec: spec, file: file)
        try v.run()
        return v.warnings
    }

    /// Parses `MAJOR.MINOR.PATCH[-pre][+build]`; returns nil when the text is not such a version:
    /// three dot-separated runs of 1 to 9 ASCII digits, then optionally `-` or `+` and a non-empty
    /// suffix of ASCII letters, digits, `.`, `-` and `+`. A scan of the UTF-8 bytes (every lifecycle
    /// verb checks `ociVersion`): no Character and no Unicode property lookups.
    static func parseVersion(_ s: String) -> (major: Int, minor: Int, patch: Int)? {
        var fields = (0, 0, 0)
        var field = 0, digits = 0, suffix = -1  // suffix: -1 before `-`/`+`, then its length
        for b in s.utf8 {
            if suffix >= 0 {
                guard isASCIIAlphanumeric(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
                    || b == UInt8(ascii: "+")
                else { return nil }
                suffix += 1
                continue
            }
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 9 else { return nil }
                digits += 1
                let d = Int(b &- UInt8(ascii: "0"))
                switch field {
                case 0: fields.0 = fields.0 * 10 + d
                case 1: fields.1 = fields.1 * 10 + d
                default: fields.2 = fields.2 * 10 + d
                }
            case UInt8(ascii: "."):
                guard digits > 0, field < 2 else { return nil }
                field += 1
                digits = 0
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                suffix = 0
            default:
                return nil
            }
        }
        guard field == 2, digits > 0, suffix != 0 else { return nil }
        return fields
    }

    private static func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }
}

private struct Checker {
    let spec: Spec
    let file: String
    var warnings: [String] = []

    init(spec: Spec, file: String) { self.spec = spec; self.file = file }

    func fail(_ path: String, _ message: String) -> SpecError {
        SpecError(file: file, path: path, message: message)
    }

    var namespaces: [LinuxNamespace] { spec.linux?.namespaces ?? [] }
    func has(_ type: String) -> Bool { namespaces.contains { $0.type == type } }
    /// A namespace the runtime creates (listed without a path).
    func isNew(_ type: String) -> Bool { namespaces.contains { $0.type == type && ($0.path ?? "").isEmpty } }

    mutating func run() throws {
        try checkVersion()
        guard let root = spec.root else { throw fail("root", "required") }
        if root.path.isEmpty { throw fail("root.path", "must not be empty") }
        if let p = spec.process { try checkProcess(p) }
        try checkNamespaces()
        try checkUTS()
        try checkMaskedWithoutMountNamespace()
        try checkMounts()
        try checkHooks()
        try checkUserNamespace()
        try checkTimeOffsets()
        try checkSysctl()
        try checkDevices()
    }

    func checkVersion() throws {
        let v = spec.ociVersion
        guard let parsed = SpecValidator.parseVersion(v) else {
            throw fail("ociVersion", "invalid version \"\(v)\" (expected 1.x.y)")
        }
        if parsed.major != 1 { throw fail("ociVersion", "unsupported version \"\(v)\" (expected 1.x.y)") }
    }

    func checkProcess(_ p: Process) throws {
        if (p.args ?? []).isEmpty { throw fail("process.args", "must not be empty") }
        if !p.cwd.hasBytePrefix("/") { throw fail("process.cwd", "must be an absolute path, got \"\(p.cwd)\"") }
        var seen = Set<String>()
        for (i, r) in (p.rlimits ?? []).enumerated() {
            let path = "process.rlimits[\(i)]"
            if !SpecValidator.rlimitTypes.contains(r.type) {
                throw fail("\(path).type", "unknown rlimit type \"\(r.type)\"")
            }
            if !seen.insert(r.type).inserted { throw fail("\(path).type", "duplicate rlimit type \"\(r.type)\"") }
            if r.soft > r.hard { throw fail(path, "soft limit \(r.soft) exceeds hard limit \(r.hard)") }
        }
        try LandlockValidator.validate(p, file: file)
    }

    func checkNamespaces() throws {
        var seen = Set<String>()
        for (i, ns) in namespaces.enumerated() {
            let path = "linux.namespaces[\(i)]"
            if !SpecValidator.namespaceTypes.contains(ns.type) {
                throw fail("\(path).type", "unknown namespace type \"\(ns.type)\"")
            }
            if !seen.insert(ns.type).inserted { throw fail("\(path).type", "duplicate namespace type \"\(ns.type)\"") }
            if let p = ns.path, !p.isEmpty, !p.hasBytePrefix("/") {
                throw fail("\(path).path", "must be an absolute path, got \"\(p)\"")
            }
        }
    }

    /// config-linux.md: a UTS namespace, new or joined by path (then the names are set in it, as runc does).
    func checkUTS() throws {
        if let h = spec.hostname, !h.isEmpty, !has("uts") {
            throw fail("hostname", "unable to set hostname without a private UTS namespace")
        }
        if let d = spec.domainname, !d.isEmpty, !has("uts") {
            throw fail("domainname", "unable to set domainname without a private UTS namespace")
        }
    }

    /// Without a mount namespace the rootfs is mounted in the runtime's one; like runc, the paths
    /// it would mask or make read-only there are refused rather than shared with the host.
    func checkMaskedWithoutMountNamespace() throws {
        if has("mount") { return }
        if !(spec.linux?.maskedPaths ?? []).isEmpty {
            throw fail("linux.maskedPaths", "unable to restrict sys entries without a private MNT namespace")
        }
        if !(spec.linux?.readonlyPaths ?? []).isEmpty {
            throw fail("linux.readonlyPaths", "unable to restrict sys entries without a private MNT namespace")
        }
    }

    /// config.md (v1.3.0), Linux: a destination SHOULD be absolute; a relative one MAY be given for
    /// compatibility and MUST be interpreted as relative to "/" (deprecated). We accept it with a warning.
    mutating func checkMounts() throws {
        for (i, m) in (spec.mounts ?? []).enumerated() {
            let path = "mounts[\(i)]"
            if m.destination.isEmpty { throw fail("\(path).destination", "must not be empty") }
            if !m.destination.hasBytePrefix("/") {
                warnings.append(SpecError(file: file, path: "\(path).destination", message:
                    "relative destination \"\(m.destination)\" is deprecated; interpreted as \"/\(m.destination)\"")
                    .description)
            }
            if (m.uidMappings == nil) != (m.gidMappings == nil) {
                throw fail(path, "uidMappings and gidMappings must be specified together")
            }
        }
    }

    func checkHooks() throws {
        guard let h = spec.hooks else { return }
        let lists: [(String, [Hook]?)] = [("prestart", h.prestart), ("createRuntime", h.createRuntime),
                                          ("createContainer", h.createContainer), ("startContainer", h.startContainer),
                                          ("poststart", h.poststart), ("poststop", h.poststop)]
        for (name, hooks) in lists {
            for (i, hook) in (hooks ?? []).enumerated() where !hook.path.hasBytePrefix("/") {
                throw fail("hooks.\(name)[\(i)].path", "must be an absolute path, got \"\(hook.path)\"")
            }
        }
    }

    func checkUserNamespace() throws {
        let uid = spec.linux?.uidMappings ?? [], gid = spec.linux?.gidMappings ?? []
        if !has("user") {
            if !uid.isEmpty || !gid.isEmpty {
                throw fail(uid.isEmpty ? "linux.gidMappings" : "linux.uidMappings",
                           "user namespace mappings specified, but user namespace isn't enabled in the config")
            }
        } else if isNew("user") {
            if uid.isEmpty { throw fail("linux.uidMappings", "user namespaces enabled, but no user mapping found") }
            if gid.isEmpty { throw fail("linux.gidMappings", "user namespaces enabled, but no group mapping found") }
        }
    }

    func checkTimeOffsets() throws {
        guard let offsets = spec.linux?.timeOffsets, !offsets.isEmpty else { return }
        for clock in offsets.keys.sorted() where clock != "boottime" && clock != "monotonic" {
            throw fail("linux.timeOffsets.\(clock)", "unknown clock \"\(clock)\" (expected boottime or monotonic)")
        }
        if !has("time") {
            throw fail("linux.timeOffsets", "time offsets specified, but no time namespace in the config")
        }
        if !isNew("time") {
            throw fail("linux.timeOffsets", "time offsets cannot be set when joining an existing time namespace")
        }
    }

    /// Mirrors runc: only namespaced sysctls are allowed, and only when the config has that namespace.
    /// A joined network namespace is accepted here; the runtime must refuse the host's own one.
    func checkSysctl() throws {
        guard let sysctl = spec.linux?.sysctl else { return }
        for key in sysctl.keys.sorted() {
            let path = "linux.sysctl[\"\(key)\"]"
            let name = String(key.map { $0 == "/" ? "." : $0 })
            if SpecValidator.ipcSysctls.contains(name) || name.hasBytePrefix("fs.mqueue.") {
                if has("ipc") { continue }
                throw fail(path, "sysctl \"\(key)\" is not allowed in the host's IPC namespace")
            }
            if name.hasBytePrefix("net.") {
                if has("network") { continue }
                throw fail(path, "sysctl \"\(key)\" is not allowed in the host's network namespace")
            }
            if name == "kernel.hostname" || name == "kernel.domainname" {
                if has("uts") { continue }
                throw fail(path, "sysctl \"\(key)\" is not allowed in the host's UTS namespace")
            }
            throw fail(path, "sysctl \"\(key)\" is not in a separate kernel namespace")
        }
    }

    func checkDevices() throws {
        for (i, d) in (spec.linux?.devices ?? []).enumerated() {
            let path = "linux.devices[\(i)]"
            guard ["c", "b", "u", "p"].contains(d.type) else {
                throw fail("\(path).type", "invalid device type \"\(d.type)\" (expected c, b, u or p)")
            }
            if d.type != "p", d.major == nil || d.minor == nil {
                throw fail(path, "major and minor are required for device type \"\(d.type)\"")
            }
            if !d.path.hasBytePrefix("/") { throw fail("\(path).path", "must be an absolute path, got \"\(d.path)\"") }
        }
    }
}
