// The fast way from a parsed config.json (JSONTree) to the model: plain, non-generic code, one
// function per type, no Decoder and no Codable.
//
// Why: decoding through Codable costs the Swift runtime a generic metadata instantiation and a
// protocol-conformance lookup (a scan of every conformance record in the binary) for each
// KeyedDecodingContainer, Optional and Array type it meets, several milliseconds' worth of
// instructions per `create` for a configuration that takes 0.1 ms to read by hand.
//
// Only the common, exactly-specified case is read here. Anything else is given up on (`nil`) and
// SpecDecoder, the Codable path, decodes the document: a repeated key (Go's merge rules live
// there), a value of the wrong type, a number that does not fit, a value outside its schema
// enum, the platform sections swiftrun does not run (freebsd, solaris, windows, vm, zos) and a
// few rarely used Linux members. So every error message still comes from one place, with its
// JSON path, and this reader only has to agree with SpecDecoder on documents both accept
// (ConfigReaderTests compares the two on the schema examples and on real configs).

enum ConfigReader {
    /// Given up: the Codable path decides.
    struct Unsupported: Error {}

    static func spec(_ root: JSONTree) -> Spec? {
        do { return try readSpec(root) } catch { return nil }
    }

    // MARK: leaves

    typealias Fields = JSONFields

    static func string(_ t: JSONTree) throws -> String {
        guard case .string(let s) = t else { throw Unsupported() }
        return s
    }

    static func bool(_ t: JSONTree) throws -> Bool {
        guard case .bool(let b) = t else { throw Unsupported() }
        return b
    }

    static func number<I: FixedWidthInteger>(_ t: JSONTree, _ type: I.Type) throws -> I {
        guard case .number(let text) = t else { throw Unsupported() }
        return try JSONNumber.integer(text, as: I.self)
    }

    static func strings(_ t: JSONTree) throws -> [String] {
        guard case .array(let a) = t else { throw Unsupported() }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard case .string(let s) = e else { throw Unsupported() }
            out.append(s)
        }
        return out
    }

    static func stringMap(_ t: JSONTree) throws -> [String: String] {
        let f = try Fields(t)
        var out: [String: String] = [:]
        out.reserveCapacity(f.o.count)
        for (k, v) in zip(f.o.keys, f.o.values) { out[k] = try string(v) }
        return out
    }

    static func list<T>(_ t: JSONTree, _ element: (JSONTree) throws -> T) throws -> [T] {
        guard case .array(let a) = t else { throw Unsupported() }
        var out: [T] = []
        out.reserveCapacity(a.count)
        for e in a { out.append(try element(e)) }
        return out
    }

    // MARK: config.md

    static func readSpec(_ t: JSONTree) throws -> Spec {
        let f = try Fields(t)
        for k in ["freebsd", "solaris", "windows", "vm", "zos"] { try f.absent(k) }
        var s = Spec(ociVersion: try string(try f.req("ociVersion")))
        s.process = try f.opt("process").map(process)
        s.root = try f.opt("root").map { t in
            let r = try Fields(t)
            return Root(path: try string(try r.req("path")), readonly: try r.bool("readonly"))
        }
        s.hostname = try f.string("hostname")
        s.domainname = try f.string("domainname")
        s.mounts = try f.list("mounts", mount)
        s.hooks = try f.opt("hooks").map(hooks)
        s.annotations = try f.stringMap("annotations")
        s.linux = try f.opt("linux").map(linux)
        return s
    }

    static func mount(_ t: JSONTree) throws -> Mount {
        let f = try Fields(t)
        return Mount(destination: try string(try f.req("destination")), type: try f.string("type"),
                     source: try f.string("source"), options: try f.strings("options"),
                     uidMappings: try f.list("uidMappings", idMapping), gidMappings: try f.list("gidMappings", idMapping))
    }

    static func hooks(_ t: JSONTree) throws -> Hooks {
        let f = try Fields(t)
        var h = Hooks()
        h.prestart = try f.list("prestart", hook)
        h.createRuntime = try f.list("createRuntime", hook)
        h.createContainer = try f.list("createContainer", hook)
        h.startContainer = try f.list("startContainer", hook)
        h.poststart = try f.list("poststart", hook)
        h.poststop = try f.list("poststop", hook)
        return h
    }

    static func hook(_ t: JSONTree) throws -> Hook {
        let f = try Fields(t)
        let timeout = try f.int("timeout")
        if let timeout, timeout < 1 { throw Unsupported() }
        return Hook(path: try string(try f.req("path")), args: try f.strings("args"), env: try f.strings("env"),
                    timeout: timeout)
    }

    static func process(_ t: JSONTree) throws -> Process {
        let f = try Fields(t)
        try f.absent("scheduler")
        try f.absent("landlock")
        var p = Process(user: try f.opt("user").map(user) ?? User(), args: try f.strings("args"),
                        env: try f.strings("env"), cwd: try string(try f.req("cwd")))
        p.terminal = try f.bool("terminal")
        p.consoleSize = try f.opt("consoleSize").map { t in
            let b = try Fields(t)
            return Box(height: try number(try b.req("height"), UInt.self), width: try number(try b.req("width"), UInt.self))
        }
        p.commandLine = try f.string("commandLine")
        p.capabilities = try f.opt("capabilities").map { t in
            let c = try Fields(t)
            var caps = LinuxCapabilities()
            caps.bounding = try c.strings("bounding")
            caps.effective = try c.strings("effective")
            caps.inheritable = try c.strings("inheritable")
            caps.permitted = try c.strings("permitted")
            caps.ambient = try c.strings("ambient")
            return caps
        }
        p.rlimits = try f.list("rlimits") { t in
            let r = try Fields(t)
            return POSIXRlimit(type: try string(try r.req("type")), hard: try number(try r.req("hard"), UInt64.self),
                               soft: try number(try r.req("soft"), UInt64.self))
        }
        p.noNewPrivileges = try f.bool("noNewPrivileges")
        p.apparmorProfile = try f.string("apparmorProfile")
        p.oomScoreAdj = try f.int("oomScoreAdj")
        p.selinuxLabel = try f.string("selinuxLabel")
        p.ioPriority = try f.opt("ioPriority").map { t in
            let io = try Fields(t)
            guard let cls = try io.oneOf("class", Schema.ioPriorityClasses) else { throw Unsupported() }
            let prio = try io.int("priority")
            if let prio, prio < Int(Int32.min) || prio > Int(Int32.max) { throw Unsupported() }
            return LinuxIOPriority(class: cls, priority: prio)
        }
        p.execCPUAffinity = try f.opt("execCPUAffinity").map { t in
            let a = try Fields(t)
            let initial = try a.string("initial"), final = try a.string("final")
            for v in [initial, final] { if let v, !Schema.isCPUList(v) { throw Unsupported() } }
            return CPUAffinity(initial: initial, final: final)
        }
        return p
    }

    static func user(_ t: JSONTree) throws -> User {
        let f = try Fields(t)
        var u = User(uid: try number(try f.req("uid"), UInt32.self), gid: try number(try f.req("gid"), UInt32.self))
        u.umask = try f.u32("umask")
        u.additionalGids = try f.list("additionalGids") { try number($0, UInt32.self) }
        u.username = try f.string("username")
        return u
    }

    // MARK: config-linux.md

    static func linux(_ t: JSONTree) throws -> Linux {
        let f = try Fields(t)
        for k in ["memoryPolicy", "personality"] { try f.absent(k) }
        var l = Linux()
        l.uidMappings = try f.list("uidMappings", idMapping)
        l.gidMappings = try f.list("gidMappings", idMapping)
        l.sysctl = try f.stringMap("sysctl")
        l.resources = try f.opt("resources").map(resources)
        l.cgroupsPath = try f.string("cgroupsPath")
        l.namespaces = try f.list("namespaces") { t in
            let n = try Fields(t)
            return LinuxNamespace(type: try string(try n.req("type")), path: try n.string("path"))
        }
        l.devices = try f.list("devices") { t in
            let d = try Fields(t)
            return LinuxDevice(path: try string(try d.req("path")), type: try string(try d.req("type")),
                               major: try d.i64("major"), minor: try d.i64("minor"), fileMode: try d.u32("fileMode"),
                               uid: try d.u32("uid"), gid: try d.u32("gid"))
        }
        l.netDevices = try f.opt("netDevices").map { t in
            let m = try Fields(t)
            var out: [String: LinuxNetDevice] = [:]
            for (k, v) in zip(m.o.keys, m.o.values) { out[k] = LinuxNetDevice(name: try Fields(v).string("name")) }
            return out
        }
        l.timeOffsets = try f.opt("timeOffsets").map { t in
            let m = try Fields(t)
            var out: [String: LinuxTimeOffset] = [:]
            for (k, v) in zip(m.o.keys, m.o.values) {
                let o = try Fields(v)
                out[k] = LinuxTimeOffset(secs: try o.i64("secs"), nanosecs: try o.u32("nanosecs"))
            }
            return out
        }
        l.seccomp = try f.opt("seccomp").map(seccomp)
        l.rootfsPropagation = try f.oneOf("rootfsPropagation", Schema.rootfsPropagations)
        l.maskedPaths = try f.strings("maskedPaths")
        l.readonlyPaths = try f.strings("readonlyPaths")
        l.mountLabel = try f.string("mountLabel")
        l.intelRdt = try f.opt("intelRdt").map { t in
            let r = try Fields(t)
            var rdt = LinuxIntelRdt()
            rdt.closID = try r.string("closID")
            rdt.l3CacheSchema = try r.string("l3CacheSchema")
            rdt.memBwSchema = try r.string("memBwSchema")
            if let m = rdt.memBwSchema, !m.hasBytePrefix("MB:") || m.contains("\n") { throw Unsupported() }
            rdt.schemata = try r.strings("schemata")
            rdt.enableMonitoring = try r.bool("enableMonitoring")
            return rdt
        }
        return l
    }

    static func idMapping(_ t: JSONTree) throws -> LinuxIDMapping {
        let f = try Fields(t)
        return LinuxIDMapping(containerID: try number(try f.req("containerID"), UInt32.self),
                              hostID: try number(try f.req("hostID"), UInt32.self),
                              size: try number(try f.req("size"), UInt32.self))
    }

    static func resources(_ t: JSONTree) throws -> LinuxResources {
        let f = try Fields(t)
        var r = LinuxResources()
        r.devices = try f.list("devices") { t in
            let d = try Fields(t)
            return LinuxDeviceCgroup(allow: try bool(try d.req("allow")), type: try d.string("type"),
                                     major: try d.i64("major"), minor: try d.i64("minor"), access: try d.string("access"))
        }
        r.memory = try f.opt("memory").map { t in
            let m = try Fields(t)
            return LinuxMemory(limit: try m.i64("limit"), reservation: try m.i64("reservation"), swap: try m.i64("swap"),
                               kernel: try m.i64("kernel"), kernelTCP: try m.i64("kernelTCP"),
                               swappiness: try m.u64("swappiness"), disableOOMKiller: try m.bool("disableOOMKiller"),
                               useHierarchy: try m.bool("useHierarchy"), checkBeforeUpdate: try m.bool("checkBeforeUpdate"))
        }
        r.cpu = try f.opt("cpu").map { t in
            let c = try Fields(t)
            return LinuxCPU(shares: try c.u64("shares"), quota: try c.i64("quota"), burst: try c.u64("burst"),
                            period: try c.u64("period"), realtimeRuntime: try c.i64("realtimeRuntime"),
                            realtimePeriod: try c.u64("realtimePeriod"), cpus: try c.string("cpus"),
                            mems: try c.string("mems"), idle: try c.i64("idle"))
        }
        r.pids = try f.opt("pids").map { LinuxPids(limit: try number(try Fields($0).req("limit"), Int64.self)) }
        r.blockIO = try f.opt("blockIO").map(blockIO)
        r.hugepageLimits = try f.list("hugepageLimits") { t in
            let h = try Fields(t)
            let size = try string(try h.req("pageSize"))
            guard Schema.isPageSize(size) else { throw Unsupported() }
            return LinuxHugepageLimit(pageSize: size, limit: try number(try h.req("limit"), UInt64.self))
        }
        r.network = try f.opt("network").map { t in
            let n = try Fields(t)
            return LinuxNetwork(classID: try n.u32("classID"), priorities: try n.list("priorities") { t in
                let p = try Fields(t)
                return LinuxInterfacePriority(name: try string(try p.req("name")),
                                              priority: try number(try p.req("priority"), UInt32.self))
            })
        }
        r.rdma = try f.opt("rdma").map { t in
            let m = try Fields(t)
            var out: [String: LinuxRdma] = [:]
            for (k, v) in zip(m.o.keys, m.o.values) {
                let e = try Fields(v)
                out[k] = LinuxRdma(hcaHandles: try e.u32("hcaHandles"), hcaObjects: try e.u32("hcaObjects"))
            }
            return out
        }
        r.unified = try f.stringMap("unified")
        return r
    }

    static func blockIO(_ t: JSONTree) throws -> LinuxBlockIO {
        let f = try Fields(t)
        func throttle(_ k: String) throws -> [LinuxThrottleDevice]? {
            try f.list(k) { t in
                let d = try Fields(t)
                return LinuxThrottleDevice(major: try number(try d.req("major"), Int64.self),
                                           minor: try number(try d.req("minor"), Int64.self),
                                           rate: try number(try d.req("rate"), UInt64.self))
            }
        }
        return LinuxBlockIO(
            weight: try f.u16("weight"), leafWeight: try f.u16("leafWeight"),
            weightDevice: try f.list("weightDevice") { t in
                let d = try Fields(t)
                return LinuxWeightDevice(major: try number(try d.req("major"), Int64.self),
                                         minor: try number(try d.req("minor"), Int64.self),
                                         weight: try d.u16("weight"), leafWeight: try d.u16("leafWeight"))
            },
            throttleReadBpsDevice: try throttle("throttleReadBpsDevice"),
            throttleWriteBpsDevice: try throttle("throttleWriteBpsDevice"),
            throttleReadIOPSDevice: try throttle("throttleReadIOPSDevice"),
            throttleWriteIOPSDevice: try throttle("throttleWriteIOPSDevice"))
    }

    static func seccomp(_ t: JSONTree) throws -> LinuxSeccomp {
        let f = try Fields(t)
        guard let action = try f.oneOf("defaultAction", Schema.seccompActions) else { throw Unsupported() }
        return LinuxSeccomp(
            defaultAction: action, defaultErrnoRet: try f.u32("defaultErrnoRet"),
            architectures: try f.allOf("architectures", Schema.seccompArchs), flags: try f.allOf("flags", Schema.seccompFlags),
            listenerPath: try f.string("listenerPath"), listenerMetadata: try f.string("listenerMetadata"),
            syscalls: try f.list("syscalls") { t in
                let s = try Fields(t)
                let names = try strings(try s.req("names"))
                guard !names.isEmpty, let action = try s.oneOf("action", Schema.seccompActions) else { throw Unsupported() }
                return LinuxSyscall(names: names, action: action, errnoRet: try s.u32("errnoRet"), args: try s.list("args") { t in
                    let a = try Fields(t)
                    guard let op = try a.oneOf("op", Schema.seccompOperators) else { throw Unsupported() }
                    return LinuxSeccompArg(index: try number(try a.req("index"), UInt.self),
                                           value: try number(try a.req("value"), UInt64.self),
                                           valueTwo: try a.u64("valueTwo"), op: op)
                })
            })
    }
}

/// A JSON object without repeated keys, read member by member; every accessor throws when the
/// member does not have exactly the expected type (the caller then decodes with SpecDecoder).
public struct JSONFields {
    let o: JSONObject
    init(_ t: JSONTree) throws {
        guard case .object(let o) = t, !o.hasDuplicates else { throw ConfigReader.Unsupported() }
        self.o = o
    }
    /// The member, nil when it is absent or null (decodeIfPresent).
    func opt(_ k: String) -> JSONTree? {
        guard let v = o.last(k) else { return nil }
        if case .null = v { return nil }
        return v
    }
    /// A member that must be there and not null (decode).
    func req(_ k: String) throws -> JSONTree {
        guard let v = opt(k) else { throw ConfigReader.Unsupported() }
        return v
    }
    public func string(_ k: String) throws -> String? { try opt(k).map(ConfigReader.string) }
    public func bool(_ k: String) throws -> Bool? { try opt(k).map(ConfigReader.bool) }
    public func strings(_ k: String) throws -> [String]? { try opt(k).map(ConfigReader.strings) }
    public func stringMap(_ k: String) throws -> [String: String]? { try opt(k).map(ConfigReader.stringMap) }
    public func u32(_ k: String) throws -> UInt32? { try opt(k).map { try ConfigReader.number($0, UInt32.self) } }
    public func u64(_ k: String) throws -> UInt64? { try opt(k).map { try ConfigReader.number($0, UInt64.self) } }
    public func i64(_ k: String) throws -> Int64? { try opt(k).map { try ConfigReader.number($0, Int64.self) } }
    func u16(_ k: String) throws -> UInt16? { try opt(k).map { try ConfigReader.number($0, UInt16.self) } }
    public func int(_ k: String) throws -> Int? { try opt(k).map { try ConfigReader.number($0, Int.self) } }
    func uint(_ k: String) throws -> UInt? { try opt(k).map { try ConfigReader.number($0, UInt.self) } }
    public func i32(_ k: String) throws -> Int32? { try opt(k).map { try ConfigReader.number($0, Int32.self) } }
    /// A member that must be present and a string.
    public func requiredString(_ k: String) throws -> String { try ConfigReader.string(try req(k)) }
    public func requiredBool(_ k: String) throws -> Bool { try ConfigReader.bool(try req(k)) }
    public func requiredI32(_ k: String) throws -> Int32 { try ConfigReader.number(try req(k), Int32.self) }
    public func requiredU64(_ k: String) throws -> UInt64 { try ConfigReader.number(try req(k), UInt64.self) }
    /// config.md `hooks`, as in config.json.
    public func hooks(_ k: String) throws -> Hooks? { try opt(k).map(ConfigReader.hooks) }
    /// A string that must be one of `allowed` (decodeEnumIfPresent).
    func oneOf(_ k: String, _ allowed: [String]) throws -> String? {
        guard let v = try string(k) else { return nil }
        guard allowed.contains(v) else { throw ConfigReader.Unsupported() }
        return v
    }
    func allOf(_ k: String, _ allowed: [String]) throws -> [String]? {
        guard let v = try strings(k) else { return nil }
        for s in v where !allowed.contains(s) { throw ConfigReader.Unsupported() }
        return v
    }
    func list<T>(_ k: String, _ element: (JSONTree) throws -> T) throws -> [T]? {
        guard let v = opt(k) else { return nil }
        return try ConfigReader.list(v, element)
    }
    /// A member this reader leaves to the Codable path.
    func absent(_ k: String) throws {
        if opt(k) != nil { throw ConfigReader.Unsupported() }
    }
}

