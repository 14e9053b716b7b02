#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

public struct RestoreOptions: Sendable {
    public var common = CriuFlags()
    public var bundle = "."
    public var detach = false
    public var pidFile: String?
    public var consoleSocket: String?
    public var noSubreaper = false
    /// Accepted as runc's: CRIU restores the mount namespace itself, so there is no pivot_root.
    public var noPivot = false
    /// `--lsm-profile TYPE:NAME` and `--lsm-mount-context` (CRIU 3.16 or later).
    public var lsmProfile: String?
    public var lsmMountContext: String?
    /// `--systemd-cgroup` (global): the container's cgroup is a transient systemd scope, as create
    /// makes it; CRIU is its first process, so the restored tasks land in it.
    public var systemdCgroup = false
    public init() {}
}

/// `restore`: a new container from the bundle's config.json whose processes CRIU restores from
/// the image directory (runc's Restore): the state directory, intent and cgroups as `create`
/// makes them, CRIU moved into the cgroup before it restores, prestart/createRuntime hooks on
/// CRIU's "setup-namespaces" notification, the pty master sent to `--console-socket` on
/// "orphan-pts-master", the restored init's pid recorded (status running) and written to
/// `--pid-file`. In the foreground it then waits for the container, as `run` does.
public enum Restore {
    static let logFile = "restore.log"

    public static func run(store: StateStore, id: String, options o: RestoreOptions) throws -> Int32 {
        try ContainerID.validate(id)
        let bundle = try Create.absolutePath(o.bundle, what: "bundle")
        let bytes: [UInt8]
        do { bytes = try FileIO.readRegular(bundle + "/config.json", limit: Create.maxConfigSize) } catch {
            throw RuntimeError("cannot read the bundle's config.json", cause: error)
        }
        let spec = try SpecLoader.decodeConfig(bytes, file: "config.json")
        for w in try SpecValidator.validate(spec) { store.log.warn(w) }
        guard let root = spec.root else { throw RuntimeError("config.json: root is required") }
        let rootfs = try Create.absolutePath(root.path.hasBytePrefix("/") ? root.path : bundle + "/" + root.path,
                                             what: "config.json: root.path")
        guard FileIO.isDirectory(rootfs) else {
            throw RuntimeError("config.json: root.path: \(rootfs) is not a directory", errno: ENOTDIR)
        }
        let terminal = spec.process?.terminal == true
        if o.consoleSocket != nil && !terminal {
            throw RuntimeError("--console-socket given but process.terminal is false")
        }
        if terminal && o.consoleSocket == nil && o.detach {
            throw RuntimeError("process.terminal is true but no --console-socket was given (terminals need one with restore --detach)")
        }
        let plan = try NamespacePlan(spec.linux?.namespaces ?? [])
        let joined = CriuExternals.joinedNamespaces(spec)
        if joined.contains(where: { $0.type == "cgroup" }) {
            throw RuntimeError("config.json: linux.namespaces: a cgroup namespace joined by path cannot be restored by CRIU")
        }
        try o.common.validate()
        let imageDir = try o.common.imageDirectory()
        let images: FileDescriptor
        do { images = FileDescriptor(adopting: try FileIO.open(imageDir, O_RDONLY | O_DIRECTORY)) } catch {
            throw RuntimeError("--image-path", cause: error)
        }
        let descriptors: [String]
        do {
            descriptors = try SpecLoader.decode([String].self, FileIO.readRegular(imageDir + "/" + Checkpoint.descriptorsFile, limit: 1 << 20),
                                                file: Checkpoint.descriptorsFile)
        } catch {
            throw RuntimeError("--image-path \(imageDir): not a checkpoint of swiftrun or runc", cause: error)
        }
        let criu = try CriuService(name: o.common.criu)
        let version = try criu.version()
        guard version.number >= 30000 else { throw RuntimeError("CRIU version \(version.number) must be 30000 or higher") }
        if o.common.lazyPages, let m = try? criu.missingFeatures(CriuFeatures(lazyPages: true)), !m.isEmpty {
            throw RuntimeError("criu is missing features: \(m)")
        }
        // The namespaces to rejoin, opened before anything is made.
        var extraFDs = FileDescriptorList()
        var inherit: [CriuOpts.InheritFD] = []
        var joinNs: [CriuOpts.JoinNamespace] = []
        for (type, path) in joined {
            if type == "network" || type == "pid" {
                do { extraFDs.append(FileDescriptor(adopting: try FileIO.open(path, O_RDONLY))) } catch {
                    throw RuntimeError("config.json: linux.namespaces: requested \(type) namespace \(path) does not exist", cause: error)
                }
                inherit.append(.init(key: CriuExternals.externalKey(type), fd: Int32(3 + extraFDs.count)))
            } else {
                joinNs.append(.init(ns: CriuExternals.criuName(type), file: path))
            }
        }
        for (i, d) in descriptors.enumerated() where i < 3 && d.hasBytePrefix("pipe:") {
            inherit.append(.init(key: d, fd: Int32(i)))
        }

        // An earlier container of this id that is stopped (a checkpoint without --leave-running)
        // is replaced, as runc's restore does with a checkpointed container.
        if let old = try? store.load(id) {
            guard store.status(of: old) == .stopped else {
                throw RuntimeError("container with id \"\(id)\" already exists and is \(store.status(of: old).rawValue)", errno: EEXIST)
            }
            try Delete.run(store: store, id: id, force: true)
        }
        var blocked: BlockedSignals? = o.detach ? nil : BlockedSignals()
        defer { blocked?.restore() }
        if !o.detach && !o.noSubreaper { try Proc.becomeSubreaper() }

        let lock = try store.create(id)
        defer { lock.release() }
        let undo = UndoStack()
        undo.push("state directory \(store.dir(id))") { try store.remove(id) }
        do {
            let cg = try ContainerCgroup.make(spec: spec, id: id, systemd: o.systemdCgroup)
            try ContainerCgroup.refuseOccupied(cg)
            var intent = CreateIntent(bundle: bundle, rootfs: rootfs, created: Timestamp.rfc3339(nanos: true),
                                      cgroupMode: cg.mode, cgroupPaths: cg.paths, resctrlDirs: nil)
            intent.systemdUnit = ContainerCgroup.unit(of: cg)
            do { try store.saveIntent(id, intent) } catch { throw RuntimeError("record the container's intent", cause: error) }
            undo.push("cgroups of container \(id)") {
                try HostTeardown.run(id: id, cgroup: cg, resctrlDirs: nil, log: store.log)
            }
            do { try store.saveConfig(id, bytes) } catch { throw RuntimeError("save the container's config", cause: error) }
            do {
                try cg.create()
                for w in try cg.apply(ContainerCgroup.resources(for: spec)) { store.log.warn(w) }
            } catch { throw RuntimeError("cgroup \(cg.paths.values.sorted().first ?? "")", cause: error) }

            try makeMountpoints(spec: spec, rootfs: rootfs, bundle: bundle)
            // CRIU wants its root to be a mount point whose parent is not overmounted: a recursive
            // bind of the rootfs in the state directory, detached when CRIU is done.
            let criuRoot = CriuRoot.path(store.dir(id))
            try FileIO.mkdirAll(criuRoot, mode: 0o755)
            try Mount.mount(source: rootfs, target: criuRoot, fstype: nil, flags: UInt(MS_BIND | MS_REC), data: nil)
            defer { CriuRoot.detach(store.dir(id)) }

            let work = try CriuWorkDir.open(o.common, imageDir: imageDir)

            var opts = try o.common.criuOpts(imagesDirFD: images.rawValue, workDirFD: work.fd.raw(), logFile: logFile,
                                             root: criuRoot, spec: spec)
            opts.evasiveDevices = true
            opts.restoreSibling = true
            opts.inheritFDs = inherit
            opts.joinNs = joinNs
            // A container dumped with the NOTIFY_SOCKET relay gets a notify/ of its own to bind.
            let notifyDir = NotifySocket.dir(store, id)
            try FileIO.mkdirAll(notifyDir, mode: 0o755)
            opts.extMounts = CriuExternals.restoreMounts(spec, bundle: bundle, notifyDir: notifyDir,
                                                         cgroupBinds: CriuExternals.cgroupBinds(spec, mode: cg.mode, paths: cg.paths))
            if o.lsmProfile != nil || o.lsmMountContext != nil {
                guard version.number >= 31600 else { throw RuntimeError("--lsm-profile and --lsm-mount-context require at least CRIU 3.16") }
                opts.lsmProfile = o.lsmProfile
                opts.lsmMountContext = o.lsmMountContext
            }

            let consoleFD = try o.consoleSocket.map { FileDescriptor(adopting: try Console.connect($0)) }
            // The restored pty's master, for the foreground loop (closed when this scope ends).
            var master: FileDescriptor? = nil
            var restoredPid: Int32 = 0
            var record = ContainerRecord(
                id: id, pid: 0, pidStartTime: 0, bundle: bundle, rootfs: rootfs, created: intent.created, owner: "",
                initialized: false, ownPidNamespace: plan.newPid, annotations: spec.annotations,
                hooks: spec.hooks, hasProcess: spec.process != nil, cgroupMode: cg.mode, cgroupPaths: cg.paths)
            record.systemdUnit = intent.systemdUnit
            undo.push("restored processes") {
                // The cgroup teardown kills them; a restored init outside the cgroup goes here.
                if restoredPid > 0, let raw = try? Proc.pidfdOpen(restoredPid) {
                    let fd = FileDescriptor(adopting: raw)
                    try? Proc.signal(pidfd: fd.rawValue, SIGKILL)
                }
            }
            let log = CriuService.LogFile(path: work.logDir + "/" + logFile)
            let resp: CriuResponse
            do {
                resp = try criu.call(CriuRequest(type: .restore, opts: opts), stdio: [0, 1, 2], extra: extraFDs.rawValues, log: log,
                                     prepare: { pid, req in
                    // CRIU restores the tasks into the cgroups it is in (cg_root). With the
                    // systemd driver CRIU is the transient scope's first process (as runc
                    // applies its cgroup manager to CRIU), and the scope's properties are set.
                    for w in try cg.addInit(pid) { store.log.warn(w) }
                    req.opts?.cgroupRoots = cgroupRoots(of: pid)
                }, notify: { n in
                    switch n.script {
                    case "setup-namespaces":
                        // As runc: the container's namespaces exist, nothing runs yet.
                        var s = store.ociState(record, status: .creating)
                        s.pid = n.pid
                        try HookRunner.run(spec.hooks?.prestart, kind: "prestart", state: s)
                        try HookRunner.run(spec.hooks?.createRuntime, kind: "createRuntime", state: s)
                    case "post-restore":
                        restoredPid = n.pid
                    case "orphan-pts-master":
                        guard let fd = n.fd else { throw RuntimeError("criu: orphan-pts-master without an fd") }
                        if consoleFD != nil {
                            try UnixAddress.sendFD(consoleFD.raw(), fd, data: Array("/dev/ptmx".utf8), what: "--console-socket")
                        } else if !o.detach {
                            master = FileDescriptor(adopting: try FD.dup(fd, what: "restored pty master"))
                        }
                    default: break
                    }
                })
            } catch {
                throw RuntimeError("restore container \(id)", cause: error)
            }
            if let p = resp.restorePid, p > 0 { restoredPid = p }
            guard restoredPid > 0 else { throw RuntimeError("restore container \(id): criu reported no pid") }
            record.pid = restoredPid
            record.pidStartTime = Proc.startTime(restoredPid) ?? 0
            record.initialized = true
            try store.save(record)
            if let pf = o.pidFile {
                let p = try Create.absolutePath(pf, what: "pid file", mustExist: false)
                try FileIO.writeAtomically(p, Array("\(restoredPid)".utf8), mode: 0o644)
            }
            undo.commit()
            if o.detach { return 0 }
            lock.release()
            let pidfd = FileDescriptor(adopting: try Proc.pidfdOpen(restoredPid))
            if master != nil { Foreground.clearONLCR(master.raw()) }
            let st = Foreground.wait(pid: restoredPid, pidfd: pidfd.rawValue, ptyMaster: master == nil ? nil : master.raw())
            master = nil
            try Delete.run(store: store, id: id, force: true)
            return st.code
        } catch {
            undo.unwind(report: store.log.warn)
            throw error
        }
    }

    /// cg_root for each hierarchy CRIU itself is in (it was just moved into the container's
    /// cgroups): "controllers" from /proc/<pid>/cgroup ("" for cgroup v2), the path.
    static func cgroupRoots(of pid: pid_t) -> [CriuOpts.CgroupRoot] {
        guard let text = try? FileIO.readString("/proc/\(pid)/cgroup") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { return nil }
            return .init(controller: String(f[1]), path: String(f[2]))
        }
    }

    /// As create: the mount points of config.json's mounts exist in the rootfs (a rootfs moved to
    /// another host may lack them), except below a tmpfs, whose contents CRIU restores.
    static func makeMountpoints(spec: Spec, rootfs: String, bundle: String) throws {
        let mounts = spec.mounts ?? []
        let tmpfs = mounts.filter { $0.type == "tmpfs" }.map { CriuExternals.clean($0.destination) }
        let root = FileDescriptor(adopting: try FileIO.open(rootfs, SafePath.O_PATH | O_DIRECTORY))
        for m in mounts {
            let dest = CriuExternals.clean(m.destination)
            if tmpfs.contains(where: { dest.hasBytePrefix($0 + "/") }) || m.type == "cgroup" { continue }
            var kind = SafePath.Kind.directory
            if CriuExternals.isBind(m), let src = m.source {
                let s = src.hasBytePrefix("/") ? src : bundle + "/" + src
                if FileIO.exists(s) && !FileIO.isDirectory(s) { kind = .file }
            }
            // A read-only rootfs that lacks one fails CRIU's restore, which then says so.
            try? SafePath.ensure(root: root.rawValue, dest, kind: kind)
        }
    }
}

/// `<state dir>/criu-root`: the recursive bind of the rootfs CRIU restores into. Detached (every
/// mount stacked there) and removed when CRIU is done, and by `delete` before it removes the state
/// directory of a restore that was killed, so that removal never descends into the rootfs.
enum CriuRoot {
    static func path(_ stateDir: String) -> String { stateDir + "/criu-root" }

    static func detach(_ stateDir: String) {
        let p = path(stateDir)
        guard FileIO.isDirectory(p) else { return }
        for _ in 0..<16 {
            guard (try? Mount.unmount(p, flags: Int32(MNT_DETACH))) != nil else { break }
        }
        try? FileIO.removeEmptyDirectory(p)
    }
}
