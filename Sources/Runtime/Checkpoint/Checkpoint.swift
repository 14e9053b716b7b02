#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The flags `checkpoint` and `restore` share with runc's.
public struct CriuFlags: Sendable {
    public var imagePath = ""
    public var workPath = ""
    public var tcpEstablished = false
    public var extUnixSk = false
    public var shellJob = false
    public var fileLocks = false
    public var lazyPages = false
    public var autoDedup = false
    public var manageCgroupsMode = ""
    public var emptyNs: [String] = []
    /// `--criu`: the CRIU binary (default "criu" in $PATH).
    public var criu: String? = nil
    public init() {}

    /// runc always passes CLONE_NEWNET in empty_ns: the runtime does not manage network devices,
    /// so a restored network namespace is created empty; `--empty-ns network` is the only other value.
    func emptyNsMask() throws -> UInt32 {
        var mask = UInt32(NamespaceKind.network.cloneFlag)
        for ns in emptyNs {
            guard ns == "network" else { throw RuntimeError("--empty-ns: namespace \"\(ns)\" is not supported") }
            mask |= UInt32(NamespaceKind.network.cloneFlag)
        }
        return mask
    }

    /// The flags' values refused before anything is made.
    func validate() throws {
        _ = try cgroupMode()
        _ = try emptyNsMask()
    }

    func cgroupMode() throws -> CriuCgroupMode {
        guard let m = CriuCgroupMode(flag: manageCgroupsMode) else {
            throw RuntimeError("--manage-cgroups-mode: invalid value \"\(manageCgroupsMode)\" (soft, full, strict or ignore)")
        }
        return m
    }

    /// The image directory: `--image-path`, default ./checkpoint (as runc).
    func imageDirectory() throws -> String {
        let p = imagePath.isEmpty ? "checkpoint" : imagePath
        return try Create.absolutePath(p, what: "--image-path", mustExist: false)
    }

    /// `--work-path` (CRIU's logs and work files), made (0700) when missing: its absolute path,
    /// and whether it was made now. nil without `--work-path`.
    func makeWorkDirectory() throws -> (path: String, made: Bool)? {
        if workPath.isEmpty { return nil }
        let w = try Create.absolutePath(workPath, what: "--work-path", mustExist: false)
        let made = !FileIO.exists(w)
        try FileIO.mkdirAll(w, mode: 0o700)
        return (w, made)
    }
}

public struct CheckpointOptions: Sendable {
    public var common = CriuFlags()
    public var parentPath = ""
    public var leaveRunning = false
    public var preDump = false
    /// `--page-server ADDRESS:PORT`.
    public var pageServer = ""
    /// `--status-fd`: written "\0" when lazy pages are ready (with --lazy-pages); -1: none.
    public var statusFD: Int32 = -1
    public init() {}
}

/// `checkpoint`: CRIU dumps the container's process tree (runc's Checkpoint). Without
/// `--leave-running` or `--pre-dump` CRIU kills the processes once they are dumped, and the
/// container is then stopped.
public enum Checkpoint {
    static let logFile = "dump.log"

    public static func run(store: StateStore, id: String, options o: CheckpointOptions) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        let status = store.status(of: r)
        guard status == .running || status == .paused else {
            throw RuntimeError("Container cannot be checkpointed in \(status.rawValue) state")
        }
        let spec = try store.config(of: r)
        let plan = try NamespacePlan(spec.linux?.namespaces ?? [])
        if !plan.newMount && !plan.joins.contains(where: { $0.kind == .mount }) {
            throw RuntimeError("checkpoint: container \(id) has no mount namespace of its own (linux.namespaces); CRIU cannot dump it")
        }
        try o.common.validate()
        let imageDir = try o.common.imageDirectory()
        var pageServer: CriuOpts.PageServer? = nil
        if !o.pageServer.isEmpty {
            guard let colon = o.pageServer.lastIndex(of: ":"), colon != o.pageServer.startIndex,
                  o.pageServer.index(after: colon) != o.pageServer.endIndex else {
                throw RuntimeError("Use --page-server ADDRESS:PORT to specify page server")
            }
            var addr = String(o.pageServer[..<colon])
            if addr.hasBytePrefix("[") && addr.hasSuffix("]") { addr = String(addr.dropFirst().dropLast()) }
            guard let port = Int32(o.pageServer[o.pageServer.index(after: colon)...]), port > 0, port < 65536 else {
                throw RuntimeError("--page-server \(o.pageServer): invalid port number")
            }
            pageServer = .init(address: addr, port: port)
        }
        if !o.parentPath.isEmpty {
            if o.parentPath.hasBytePrefix("/") { throw RuntimeError("--parent-path must be relative") }
            // Lexically, as the kernel will resolve it once the image directory exists.
            let real = CriuExternals.clean(imageDir + "/" + o.parentPath)
            guard FileIO.isDirectory(real) else {
                throw RuntimeError("invalid --parent-path", cause: FileIO.exists(real)
                                   ? SysError("stat", real, errno: ENOTDIR) : SysError("stat", real, errno: ENOENT))
            }
        }
        if o.common.lazyPages && o.statusFD >= 0 {
            guard let fl = FD.statusFlags(o.statusFD) else {
                throw RuntimeError("invalid --status-fd argument \(o.statusFD)", cause: SysError("fcntl", "fd \(o.statusFD)", errno: EBADF))
            }
            if fl & O_ACCMODE == O_RDONLY { throw RuntimeError("invalid --status-fd argument \(o.statusFD): not writable") }
        }
        let criu = try CriuService(name: o.common.criu)
        let version = try criu.version()
        guard version.number >= 30000 else { throw RuntimeError("CRIU version \(version.number) must be 30000 or higher") }
        if o.preDump, let m = try? criu.missingFeatures(CriuFeatures(memTrack: true)), !m.isEmpty {
            throw RuntimeError("criu is missing features: \(m) (--pre-dump needs memory tracking)")
        }
        if o.common.lazyPages, let m = try? criu.missingFeatures(CriuFeatures(lazyPages: true)), !m.isEmpty {
            throw RuntimeError("criu is missing features: \(m)")
        }

        // Made only now, after every check: a refused checkpoint leaves no directory behind.
        let madeImageDir = !FileIO.exists(imageDir)
        try FileIO.mkdirAll(imageDir, mode: 0o700)
        let images = FileDescriptor(adopting: try FileIO.open(imageDir, O_RDONLY | O_DIRECTORY))
        let work = try CriuWorkDir.open(o.common, imageDir: imageDir)

        var opts = try o.common.criuOpts(imagesDirFD: images.rawValue, workDirFD: work.fd.raw(), logFile: logFile,
                                         root: r.rootfs, spec: spec)
        opts.pid = r.pid
        opts.leaveRunning = o.leaveRunning
        for (type, path) in CriuExternals.joinedNamespaces(spec) where type == "network" || type == "pid" {
            let ino: UInt64
            do { ino = try FileIO.inode(path) } catch {
                throw RuntimeError("checkpoint: external \(type) namespace", cause: error)
            }
            opts.external.append("\(CriuExternals.criuName(type))[\(ino)]:\(CriuExternals.externalKey(type))")
        }
        // CRIU freezes the tasks through the cgroup freezer (v2: CRIU >= 3.14) rather than ptrace.
        if let cg = ContainerCgroup.load(r) {
            let key = r.cgroupMode == .unified ? "" : "freezer"
            if let p = cg.paths[key], key == "freezer" || version.number >= 31400 { opts.freezeCgroup = p }
        }
        opts.pageServer = pageServer
        if !o.parentPath.isEmpty {
            opts.parentImage = o.parentPath
            opts.trackMem = true
        }
        if o.common.lazyPages && o.statusFD >= 0 && version.number < 31500 { opts.statusFD = o.statusFD }
        if !o.preDump {
            opts.extMounts = CriuExternals.dumpMounts(spec, cgroupBinds: CriuExternals.cgroupBinds(spec, mode: r.cgroupMode, paths: r.cgroupPaths)) { path in
                let p = "/proc/\(r.pid)/root/\(path)"
                return FileIO.exists(p) && !FileIO.isDirectory(p)
            }
            // The init's stdio as the kernel names it ("pipe:[1234]", "/dev/null", ...), so that
            // restore can hand the restored process the restoring caller's pipes (inherit_fd).
            let fds = (0...2).map { SafePath.readLink(AT_FDCWD, "/proc/\(r.pid)/fd/\($0)") ?? "" }
            try FileIO.writeAtomically(imageDir + "/" + descriptorsFile, SpecLoader.encode(fds), mode: 0o600)
        }
        let null = FileDescriptor(adopting: try FileIO.open("/dev/null", O_RDWR))
        let log = CriuService.LogFile(path: work.logDir + "/" + logFile, kept: work.fd.raw() < 0 ? !madeImageDir : !work.made)
        do {
            _ = try criu.call(CriuRequest(type: o.preDump ? .preDump : .dump, opts: opts), stdio: [null.rawValue, null.rawValue, 2], log: log, notify: { n in
                if n.script == "status-ready", o.statusFD >= 0 {
                    FD.write(o.statusFD, [0])
                }
            })
        } catch {
            // Nothing of a failed first dump is worth keeping but the log the error points to.
            if madeImageDir { try? FileIO.removeAll(imageDir) }
            if work.made { try? FileIO.removeAll(work.logDir) }
            throw RuntimeError("checkpoint container \(id)", cause: error)
        }
        if o.leaveRunning || o.preDump { return }
        // CRIU killed the dumped tasks: the container is stopped (its cgroups and state stay
        // until `delete`, or a `restore` under the same id replaces it).
        waitGone(r)
    }

    /// CRIU has killed the tasks when it answers; give the kernel a moment to make them zombies.
    static func waitGone(_ r: ContainerRecord) {
        guard let raw = try? Proc.pidfdOpen(r.pid) else { return }
        let pidfd = FileDescriptor(adopting: raw)
        if Proc.isAlive(r.pid, startTime: r.pidStartTime) { _ = FD.waitExit(pidfd: pidfd.rawValue, timeoutMs: 2000) }
    }

    static let descriptorsFile = "descriptors.json"

    /// The annotation org.criu.config names a CRIU configuration file ("" for none), as runc's;
    /// otherwise /etc/criu/swiftrun.conf is read if it exists.
    static func configFile(_ spec: Spec) -> String? {
        if let c = spec.annotations?["org.criu.config"] { return c.isEmpty ? nil : c }
        return "/etc/criu/swiftrun.conf"
    }
}
