/// The messages of CRIU's RPC (`criu/rpc.proto`, installed by Debian's criu as
/// /usr/include/criu/rpc.proto) that swiftrun uses, with their field numbers. Only the fields
/// swiftrun sets are modelled; proto2 optional fields left nil are not sent.
enum CriuRequestType: Int32, Sendable, CustomStringConvertible {
    case empty = 0, dump = 1, restore = 2, check = 3, preDump = 4, pageServer = 5, notify = 6
    case cpuinfoDump = 7, cpuinfoCheck = 8, featureCheck = 9, version = 10, waitPid = 11
    case pageServerChild = 12, singlePreDump = 13

    var description: String {
        switch self {
        case .empty: return "EMPTY"
        case .dump: return "DUMP"
        case .restore: return "RESTORE"
        case .check: return "CHECK"
        case .preDump: return "PRE_DUMP"
        case .pageServer: return "PAGE_SERVER"
        case .notify: return "NOTIFY"
        case .cpuinfoDump: return "CPUINFO_DUMP"
        case .cpuinfoCheck: return "CPUINFO_CHECK"
        case .featureCheck: return "FEATURE_CHECK"
        case .version: return "VERSION"
        case .waitPid: return "WAIT_PID"
        case .pageServerChild: return "PAGE_SERVER_CHLD"
        case .singlePreDump: return "SINGLE_PRE_DUMP"
        }
    }
}

/// criu_cg_mode.
public enum CriuCgroupMode: Int32, Sendable {
    case ignore = 0, none = 1, props = 2, soft = 3, full = 4, strict = 5, `default` = 6

    /// runc's `--manage-cgroups-mode` values ("" is CRIU's default).
    public init?(flag: String) {
        switch flag {
        case "": self = .default
        case "soft": self = .soft
        case "full": self = .full
        case "strict": self = .strict
        case "ignore": self = .ignore
        default: return nil
        }
    }
}

/// criu_opts.
struct CriuOpts: Equatable {
    var imagesDirFD: Int32 = -1                 // 1 (required)
    var pid: Int32? = nil                       // 2
    var leaveRunning: Bool? = nil               // 3
    var extUnixSk: Bool? = nil                  // 4
    var tcpEstablished: Bool? = nil             // 5
    var evasiveDevices: Bool? = nil             // 6
    var shellJob: Bool? = nil                   // 7
    var fileLocks: Bool? = nil                  // 8
    var logLevel: Int32? = nil                  // 9
    var logFile: String? = nil                  // 10
    var pageServer: PageServer? = nil           // 11 criu_page_server_info
    var notifyScripts: Bool? = nil              // 12
    var root: String? = nil                     // 13
    var parentImage: String? = nil              // 14
    var trackMem: Bool? = nil                   // 15
    var autoDedup: Bool? = nil                  // 16
    var workDirFD: Int32? = nil                 // 17
    var extMounts: [KeyValue] = []              // 23 ext_mount_map
    var manageCgroups: Bool? = nil              // 24
    var cgroupRoots: [CgroupRoot] = []          // 25 cgroup_root
    var restoreSibling: Bool? = nil             // 26
    var inheritFDs: [InheritFD] = []            // 27 inherit_fd
    var manageCgroupsMode: CriuCgroupMode? = nil // 34
    var external: [String] = []                 // 37
    var emptyNs: UInt32? = nil                  // 38
    var joinNs: [JoinNamespace] = []            // 39 join_namespace
    var freezeCgroup: String? = nil             // 44
    var tcpSkipInFlight: Bool? = nil            // 46
    var lazyPages: Bool? = nil                  // 48
    var statusFD: Int32? = nil                  // 49
    var orphanPtsMaster: Bool? = nil            // 50
    var configFile: String? = nil               // 51
    var lsmProfile: String? = nil               // 53
    var lsmMountContext: String? = nil          // 63

    struct PageServer: Equatable { var address: String; var port: Int32 }
    struct KeyValue: Equatable { var key: String; var value: String }
    struct CgroupRoot: Equatable { var controller: String?; var path: String }
    struct InheritFD: Equatable { var key: String; var fd: Int32 }
    struct JoinNamespace: Equatable { var ns: String; var file: String }

    func encode(_ w: inout ProtoWriter) {
        w.int32(1, imagesDirFD)
        w.int32(2, pid)
        w.bool(3, leaveRunning)
        w.bool(4, extUnixSk)
        w.bool(5, tcpEstablished)
        w.bool(6, evasiveDevices)
        w.bool(7, shellJob)
        w.bool(8, fileLocks)
        w.int32(9, logLevel)
        w.string(10, logFile)
        if let ps = pageServer {
            w.message(11) { $0.string(1, ps.address); $0.int32(2, ps.port) }
        }
        w.bool(12, notifyScripts)
        w.string(13, root)
        w.string(14, parentImage)
        w.bool(15, trackMem)
        w.bool(16, autoDedup)
        w.int32(17, workDirFD)
        for m in extMounts { w.message(23) { $0.string(1, m.key); $0.string(2, m.value) } }
        w.bool(24, manageCgroups)
        for c in cgroupRoots { w.message(25) { $0.string(1, c.controller); $0.string(2, c.path) } }
        w.bool(26, restoreSibling)
        for f in inheritFDs { w.message(27) { $0.string(1, f.key); $0.int32(2, f.fd) } }
        w.int32(34, manageCgroupsMode?.rawValue)
        for e in external { w.string(37, e) }
        w.uint32(38, emptyNs)
        for j in joinNs { w.message(39) { $0.string(1, j.ns); $0.string(2, j.file) } }
        w.string(44, freezeCgroup)
        w.bool(46, tcpSkipInFlight)
        w.bool(48, lazyPages)
        w.int32(49, statusFD)
        w.bool(50, orphanPtsMaster)
        w.string(51, configFile)
        w.string(53, lsmProfile)
        w.string(63, lsmMountContext)
    }
}

/// criu_features (request and answer of FEATURE_CHECK).
struct CriuFeatures: Equatable {
    var memTrack: Bool? = nil   // 1
    var lazyPages: Bool? = nil  // 2
    var pidfdStore: Bool? = nil // 3

    func encode(_ w: inout ProtoWriter) {
        w.bool(1, memTrack)
        w.bool(2, lazyPages)
        w.bool(3, pidfdStore)
    }

    static func decode(_ b: ArraySlice<UInt8>) throws -> CriuFeatures {
        var r = ProtoReader(b), f = CriuFeatures()
        while let (n, v) = try r.next() {
            switch n {
            case 1: f.memTrack = v.bool
            case 2: f.lazyPages = v.bool
            case 3: f.pidfdStore = v.bool
            default: break
            }
        }
        return f
    }
}

/// criu_req.
struct CriuRequest: Equatable {
    var type: CriuRequestType            // 1 (required)
    var opts: CriuOpts? = nil            // 2
    var notifySuccess: Bool? = nil       // 3
    var keepOpen: Bool? = nil            // 4
    var features: CriuFeatures? = nil    // 5

    func encoded() -> [UInt8] {
        var w = ProtoWriter()
        w.int32(1, type.rawValue)
        if let opts { w.message(2) { opts.encode(&$0) } }
        w.bool(3, notifySuccess)
        w.bool(4, keepOpen)
        if let features { w.message(5) { features.encode(&$0) } }
        return w.bytes
    }
}

/// criu_resp, with the parts swiftrun reads.
struct CriuResponse: Equatable {
    var type: Int32 = 0                  // 1
    var success = false                  // 2
    var dumpRestored: Bool? = nil        // 3 criu_dump_resp.restored
    var restorePid: Int32? = nil         // 4 criu_restore_resp.pid
    var notifyScript: String? = nil      // 5 criu_notify.script
    var notifyPid: Int32? = nil          //   criu_notify.pid
    var crErrno: Int32? = nil            // 7
    var features: CriuFeatures? = nil    // 8
    var crErrmsg: String? = nil          // 9
    var version: Version? = nil          // 10 criu_version
    var status: Int32? = nil             // 11

    struct Version: Equatable {
        var major: Int32 = 0, minor: Int32 = 0, sublevel: Int32? = nil, gitID: String? = nil
        /// As runc and go-criu compare versions: 3.17.1 is 31701.
        var number: Int { Int(major) * 10000 + Int(minor) * 100 + Int(sublevel ?? 0) }
        var text: String { "\(major).\(minor)" + (sublevel.map { ".\($0)" } ?? "") }
    }

    var requestType: CriuRequestType? { CriuRequestType(rawValue: type) }

    static func decode(_ bytes: ArraySlice<UInt8>) throws -> CriuResponse {
        var r = ProtoReader(bytes), resp = CriuResponse()
        while let (n, v) = try r.next() {
            switch n {
            case 1: resp.type = v.int32
            case 2: resp.success = v.bool
            case 3:
                var d = ProtoReader(v.bytes)
                while let (m, x) = try d.next() { if m == 1 { resp.dumpRestored = x.bool } }
            case 4:
                var d = ProtoReader(v.bytes)
                while let (m, x) = try d.next() { if m == 1 { resp.restorePid = x.int32 } }
            case 5:
                var d = ProtoReader(v.bytes)
                while let (m, x) = try d.next() {
                    if m == 1 { resp.notifyScript = x.string } else if m == 2 { resp.notifyPid = x.int32 }
                }
            case 7: resp.crErrno = v.int32
            case 8: resp.features = try CriuFeatures.decode(v.bytes)
            case 9: resp.crErrmsg = v.string
            case 10:
                var d = ProtoReader(v.bytes), ver = Version()
                while let (m, x) = try d.next() {
                    switch m {
                    case 1: ver.major = x.int32
                    case 2: ver.minor = x.int32
                    case 3: ver.gitID = x.string
                    case 4: ver.sublevel = x.int32
                    default: break
                    }
                }
                resp.version = ver
            case 11: resp.status = v.int32
            default: break
            }
        }
        return resp
    }
}
