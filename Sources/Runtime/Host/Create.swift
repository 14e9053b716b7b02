#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec
import Rootfs

public struct CreateOptions: Sendable {
    public var bundle: String
    public var pidFile: String?
    public var consoleSocket: String?
    public var noPivot = false
    public var noNewKeyring = false
    public var preserveFDs: Int32 = 0
    /// `--pidfd-socket`: where a pidfd of the init is sent once the container is created.
    public var pidfdSocket: String?
    /// `run --no-subreaper`: the foreground `run` does not become the child subreaper.
    public var noSubreaper = false
    /// The fds the caller left open, read before the runtime opened any of its own
    /// (FDTable.open() at process start); nil: read now. Only these can be preserved.
    public var callerFDs: [Int32]? = nil
    /// `run` in the foreground: with process.terminal and no console socket, the runtime itself
    /// receives the pty master (CreatedContainer.ptyReceiver) and proxies it.
    public var foregroundTerminal = false
    /// `--rootless` (Rootless.cgroups): cgroups the user may not create or join are left out.
    public var rootlessCgroups = false
    /// `--systemd-cgroup`: the cgroup is a transient systemd unit (SystemdManager).
    public var systemdCgroup = false
    /// The caller's NOTIFY_SOCKET: the container gets a socket of its own, relayed by `start`.
    public var notifySocket: String? = nil
    public init(bundle: String) { self.bundle = bundle }
}

/// A container `create` made: the init's host pid and a pidfd (valid in this process only).
public struct CreatedContainer: Sendable {
    public let id: String
    public let pid: pid_t
    public let pidfd: Int32
    /// Socket on which the pty master arrives (foreground terminal); the caller's to close.
    public let ptyReceiver: Int32?
    /// What was saved as the container's state (so `run` need not read it back).
    public let record: ContainerRecord
}

/// The `create` operation (runtime.md): validate, build the environment, leave the init waiting.
public enum Create {
    /// config.json larger than this is refused (real ones are kilobytes; big seccomp profiles < 1 MiB).
    static let maxConfigSize = 32 << 20

    public static func run(store: StateStore, id: String, options o: CreateOptions) throws -> CreatedContainer {
        try ContainerID.validate(id)
        // Sockets the runtime was activated with come first, then --preserve-fds (as runc).
        let passFDs = o.preserveFDs + SocketActivation.inheritedCount()
        let preserved = try PreservedFDs.select(count: passFDs, callerFDs: o.callerFDs)
        let bundle = try absolutePath(o.bundle, what: "bundle")
        let configPath = bundle + "/config.json"
        let bytes: [UInt8]
        // A bundle is not always the engine's own: a FIFO or a huge file must not hang or swamp us.
        do { bytes = try FileIO.readRegular(configPath, limit: Create.maxConfigSize) } catch {
            throw RuntimeError("cannot read the bundle's config.json", cause: error)
        }
        let config = try SpecLoader.loadConfig(bytes, file: "config.json")
        var spec = config.spec
        for w in try SpecValidator.validate(spec) { store.log.warn(w) }
        try ProcessAttributes.validate(process: spec.process, linux: spec.linux)
        try LSM.check(process: spec.process, linux: spec.linux, log: store.log)
        try NetDevices.validate(spec.linux?.netDevices ?? [:], namespaces: spec.linux?.namespaces)
        guard let root = spec.root else { throw RuntimeError("config.json: root is required", code: .invalidConfig) }
        // config.md: `process` is required only by `start` (which refuses a container without
        // it). Without one the init sets the container up as root with no further attributes
        // and waits; it never execs.
        var process = spec.process ?? OCISpec.Process()
        let rootfs = root.path.hasBytePrefix("/") ? root.path : bundle + "/" + root.path
        guard let st = FileIO.status(rootfs) else {
            throw RuntimeError("config.json: root.path", cause: SysError("stat", rootfs))
        }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            throw RuntimeError("config.json: root.path: \(rootfs) is not a directory", errno: ENOTDIR)
        }
        let proxyTerminal = process.terminal == true && o.consoleSocket == nil && o.foregroundTerminal
        if process.terminal == true && o.consoleSocket == nil && !proxyTerminal {
            throw RuntimeError("process.terminal is true but no --console-socket was given (terminals need one with create/run --detach)")
        }
        if o.consoleSocket != nil && process.terminal != true {
            throw RuntimeError("--console-socket given but process.terminal is false")
        }
        let plan = try NamespacePlan(spec.linux?.namespaces ?? [])
        try Rootless.validate(spec, plan: plan)
        try SysResource.check(process)
        let seccomp = try SeccompPlan.make(spec.linux?.seccomp, source: config.seccompSource, process: process,
                                           cacheRoot: store.root, log: store.log)
        // Our copy of the listener (its number travels in the plan), closed when we return; the
        // child's branch of clone3 makes the child's its own (`forChild()`).
        let seccompListener = SeccompPlan.runtimeCopy(seccomp)
        let landlock = try LandlockPlan.make(process.landlock, warn: store.log.warn)
        // config-linux.md: a namespace not listed is the runtime's. Without a mount namespace the
        // rootfs is mounted in ours (chroot, as runc), and teardown unmounts it (HostTeardown).
        var hostRootfsBelow: Int? = nil
        if !plan.newMount && !plan.joins.contains(where: { $0.kind == .mount }) {
            guard let id = topMountID(rootfs) else {
                throw RuntimeError("config.json: root.path: read the mount of \(rootfs)", cause: SysError("open", rootfs))
            }
            hostRootfsBelow = id
        }

        let lock = try store.create(id)
        defer { lock.release() }
        // Handed to the caller on success; on failure closed after the undo stack ran (which
        // signals the init through the pidfd).
        var initPidfd: FileDescriptor? = nil
        var ptyReceiver: FileDescriptor? = nil
        let undo = UndoStack()
        undo.push("state directory \(store.dir(id))") { try store.remove(id) }
        do {
            if let host = o.notifySocket, !host.isEmpty, spec.process != nil {
                try NotifySocket.prepare(spec: &spec, process: &process, store: store, id: id)
            }
            let full = try ContainerCgroup.make(spec: spec, id: id, systemd: o.systemdCgroup, rootless: o.rootlessCgroups)
            // Before the intent: a refused cgroup is not ours, and delete must not remove it.
            try ContainerCgroup.refuseOccupied(full)
            var cg: CgroupManager? = full
            // Rootless with the default path: only what the user may make (Delegation). The user's
            // systemd instance makes the scope itself (delegated to the user).
            let delegated = o.rootlessCgroups && !o.systemdCgroup && (spec.linux?.cgroupsPath ?? "").isEmpty
            var resources = ContainerCgroup.resources(for: spec)
            if o.rootlessCgroups { resources.devices = nil }
            var intent = CreateIntent(bundle: bundle, rootfs: rootfs, created: Timestamp.rfc3339(nanos: true),
                                      cgroupMode: full.mode, cgroupPaths: full.paths,
                                      resctrlDirs: IntelRdt.dirsToRemove(spec.linux?.intelRdt, id: id),
                                      hostRootfsBelowMountID: hostRootfsBelow)
            intent.systemdUnit = ContainerCgroup.unit(of: full)
            // Before anything exists on the host, so that `delete` can remove all of it whenever
            // this process dies (CreateIntent).
            do { try store.saveIntent(id, intent) } catch { throw RuntimeError("record the container's intent", cause: error) }
            undo.push("cgroups of container \(id)") {
                try HostTeardown.run(id: id, cgroup: cg, resctrlDirs: intent.resctrlDirs, log: store.log,
                                     hostRootfs: rootfs, belowMountID: hostRootfsBelow)
            }
            do { try store.saveConfig(id, bytes) } catch { throw RuntimeError("save the container's config", cause: error) }
            do {
                if delegated {
                    cg = try Delegation.create(full, resources: resources).manager
                    if cg?.paths != full.paths {
                        intent.cgroupMode = cg?.mode
                        intent.cgroupPaths = cg?.paths
                        try store.replaceIntent(id, intent)
                    }
                } else {
                    try full.create()
                }
                if let cg { for w in try cg.apply(resources) { store.log.warn(w) } }
            } catch { throw RuntimeError("cgroup \(full.paths.values.sorted().first ?? "")", cause: error) }
            if delegated && cg == nil {
                store.log.debug("rootless: no cgroup the user may create for container \(id); running without one")
                if !plan.newPid {
                    store.log.warn("Creating a rootless container with no cgroup and no private pid namespace. "
                             + "Such configuration is strongly discouraged (as it is impossible to properly kill all container's processes).")
                }
            }
            // Rootless: joined after clone3, so that a cgroup the user may make but not join is dropped.
            var cgroupDir: FileDescriptor? = nil
            if !delegated, let fd = try cg?.cloneIntoFD() { cgroupDir = FileDescriptor(adopting: fd) }
            let joinedByClone = cgroupDir != nil
            // What the init takes over across clone3 (ChildFD in its branch; see ChildFD). In
            // ours each is closed once clone3 is done with it, or when this scope ends.
            let listener = FileDescriptor(adopting: try listenForStart(dirFD: lock.fd))
            var console: FileDescriptor? = nil
            if let path = o.consoleSocket { console = FileDescriptor(adopting: try Console.connect(path)) }
            if proxyTerminal {
                let pair = try Console.socketPair()
                ptyReceiver = FileDescriptor(adopting: pair.receiver)
                console = FileDescriptor(adopting: pair.sender)
            }
            let sync = try SyncPair()
            let me = Proc.currentPID
            let idmapped = plan.newUser ? try IdmappedMounts.prepare(spec: spec, bundle: bundle, userNamespace: true)
                : FileDescriptorMap<Int>()
            // In a user namespace the init could not reach sources under directories only the
            // host's root may search: open them here (as runc).
            let inUserNamespace = plan.newUser || plan.joins.contains { $0.kind == .user }
            let bindSources = inUserNamespace ? BindSources.open(spec: spec, bundle: bundle, skipping: Set(idmapped.keys))
                : FileDescriptorMap<Int>()
            var restore = try NamespaceSwitch(plan: plan, timeOffsets: spec.linux?.timeOffsets)
            // A user namespace joined by path with a new pid namespace: our child joins, clones
            // the init and exits (UserNamespaceJoin); it sends the init's pid on this pipe.
            var pidPipe = plan.forkInJoinedUserNamespace ? try OwnedPipe("pipe") : nil
            let savedAffinity = try ProcessAttributes.applyInitialAffinity(process.execCPUAffinity)
            let forked: (pid: pid_t, pidfd: Int32)
            do { forked = try Proc.clone3(flags: plan.runtimeCloneFlags, cgroupFD: cgroupDir.raw()) } catch {
                ProcessAttributes.restoreAffinity(savedAffinity)
                restore.undo()
                throw RuntimeError("create the container process", cause: error)
            }
            if forked.pid == 0 {
                // The init (or the joining child): what it keeps becomes its own (ChildFD: closed
                // only where it says, never by a deinit on its way to execve); the runtime's go now.
                let childSync = sync.inChild()
                ptyReceiver = nil
                cgroupDir = nil
                let ctx = InitContext(
                    id: id, spec: spec, process: process, bundle: bundle, rootfs: rootfs, plan: plan,
                    noPivot: o.noPivot, preserveFDs: passFDs, preserved: preserved, sync: childSync,
                    startListener: ChildFD(listener), parentPid: me, consoleSocket: console.forChild(),
                    noNewKeyring: o.noNewKeyring, idmapFDs: idmapped.forChild(), bindSourceFDs: bindSources.forChild(),
                    seccomp: seccomp, seccompListener: seccompListener.forChild(), cgroupPaths: cg?.paths ?? [:],
                    landlock: landlock, log: store.log, logFile: store.log.fd > 2 ? ChildFD(adopting: store.log.fd) : nil)
                if let pipe = pidPipe.take() { ContainerInit.run(UserNamespaceJoin.cloneInit(ctx, pidPipe: pipe.forChild())) }
                ContainerInit.run(ctx)
            }
            ProcessAttributes.restoreAffinity(savedAffinity)
            restore.undo()
            cgroupDir = nil  // clone3 has used it
            listener.close()  // the init's copy is the one that accepts `start`
            // (With a joining child, until it is reaped our copy of its end would keep the sync
            // socket from reporting its silent death.)
            let hostSync = sync.inParent()
            var pid = forked.pid
            initPidfd = FileDescriptor(adopting: forked.pidfd)
            if let pipe = pidPipe.take() {
                let joining = ChildProcess(pid: forked.pid, pidfd: initPidfd.take()!)
                let initProcess = try UserNamespaceJoin.initProcess(child: joining, pidPipe: pipe, sync: hostSync)
                pid = initProcess.pid
                initPidfd = .some(initProcess.pidfd)
            }
            let pidfd = initPidfd.raw()  // (set just above)
            undo.push("container init \(pid)") {
                try? Proc.signal(pidfd: pidfd, SIGKILL)
                _ = try? Proc.wait(pid)
                let state = State(ociVersion: ociVersion, id: id, status: "stopped", pid: 0, bundle: bundle,
                                  annotations: spec.annotations)
                runPoststop(spec.hooks?.poststop, state: state, log: store.log)
            }
            if !joinedByClone, let m = cg {
                do {
                    if delegated {
                        cg = try Delegation.join(m, pid: pid, resources: resources)
                        if cg?.paths != m.paths {
                            intent.cgroupMode = cg?.mode
                            intent.cgroupPaths = cg?.paths
                            try store.replaceIntent(id, intent)
                        }
                    } else {
                        for w in try m.addInit(pid) { store.log.warn(w) }
                    }
                } catch { throw RuntimeError("cgroup \(m.paths.values.sorted().first ?? "")", cause: error) }
            }
            do { try hostSync.send(.proceed) } catch { throw initExited(pid, cause: error) }

            var record = ContainerRecord(
                id: id, pid: pid, pidStartTime: Proc.startTime(pid) ?? 0, bundle: bundle, rootfs: rootfs,
                created: intent.created, owner: "", initialized: false,
                ownPidNamespace: plan.newPid, annotations: spec.annotations, hooks: spec.hooks,
                hasProcess: spec.process != nil, cgroupMode: cg?.mode, cgroupPaths: cg?.paths,
                resctrlDirs: intent.resctrlDirs)
            record.hostRootfsBelowMountID = hostRootfsBelow
            record.systemdUnit = intent.systemdUnit
            // Hooks may ask for the state while the container is "creating"; without hooks the
            // record is written once, at the end.
            let h = spec.hooks
            if !((h?.prestart ?? []) + (h?.createRuntime ?? []) + (h?.createContainer ?? [])).isEmpty {
                try store.save(record)
            }
            try driveInit(hostSync, pid: pid, spec: spec, record: record, store: store)
            record.initialized = true
            try store.save(record)
            if let pf = o.pidFile {
                let p = try absolutePath(pf, what: "pid file", mustExist: false)
                try FileIO.writeAtomically(p, Array("\(pid)".utf8), mode: 0o644)
            }
            if let path = o.pidfdSocket { try PidfdSocket.send(pidfd, to: path) }
            // Recorded: the init may outlive us now (before this, our death makes it exit).
            try hostSync.send(.created)
            undo.commit()
            return CreatedContainer(id: id, pid: pid, pidfd: initPidfd.release(), ptyReceiver: ptyReceiver.take()?.release(),
                                    record: record)
        } catch {
            undo.unwind(report: store.log.warn)
            throw error
        }
    }

    /// An init that went away early (EOF, EPIPE or ECONNRESET on the sync socket) is reported
    /// as such, with its exit status, never as a bare socket error.
    static func initExited(_ pid: pid_t, cause: Error?) -> RuntimeError {
        var st: Proc.ExitStatus? = nil
        for _ in 0..<50 {  // it is exiting: give it up to ~50 ms to become a zombie
            if let s = (try? Proc.wait(pid, noHang: true)) ?? nil { st = s; break }
            Clock.sleep(nanoseconds: 1_000_000)
        }
        let how = st.map { s -> String in
            switch s {
            case .exited(let c): return " (exit status \(c))"
            case .signaled(let n): return " (killed by signal \(n))"
            }
        } ?? ""
        if let cause, st == nil { return RuntimeError("container init exited unexpectedly", cause: cause) }
        return RuntimeError("container init exited unexpectedly\(how)")
    }

    /// The parent's half of the sync protocol (Docs/ARCHITECTURE.md).
    static func driveInit(_ ch: borrowing HostSync, pid: pid_t, spec: Spec, record: ContainerRecord, store: StateStore) throws {
        while true {
            let received: SyncMessage?
            do { received = try ch.receive() } catch { throw initExited(pid, cause: error) }
            guard let m = received else { throw initExited(pid, cause: nil) }
            switch m {
            case .mapRequest:
                try IDMaps.write(pid: pid, linux: spec.linux)
                try ch.send(.mapped)
            case .runtimeHooks:
                let state = store.ociState(record, status: .creating)
                do {
                    try HookRunner.run(spec.hooks?.prestart, kind: "prestart", state: state)
                    try HookRunner.run(spec.hooks?.createRuntime, kind: "createRuntime", state: state)
                } catch {
                    try? ch.send(.failure(error))
                    throw error
                }
                try ch.send(.runtimeHooksDone)
            case .ready:
                try NetDevices.move(spec.linux?.netDevices ?? [:], toPid: pid)
                try IntelRdt.apply(spec.linux?.intelRdt, id: record.id, pid: pid)
                return
            case .error:
                throw m.runtimeError!
            case .mapped, .runtimeHooksDone, .proceed, .created:
                throw RuntimeError("sync: unexpected \(m) from container init")
            }
        }
    }

    /// A listening socket in the state directory; the waiting init accepts `start` on it.
    /// Bound through /proc/self/fd/<dirfd>/ so the path fits sun_path whatever --root is.
    static func listenForStart(dirFD: Int32) throws -> Int32 {
        try UnixAddress.listen("/proc/self/fd/\(dirFD)/init.sock", type: Int32(SOCK_SEQPACKET.rawValue), backlog: 4,
                               socketName: "start socket", name: "init.sock")
    }

    static func absolutePath(_ p: String, what: String, mustExist: Bool = true) throws -> String {
        var abs = p
        if !p.hasBytePrefix("/") {
            guard let cwd = FileIO.currentDirectory() else { throw RuntimeError("getcwd", cause: SysError("getcwd")) }
            abs = p.isEmpty || p == "." ? cwd : cwd + "/" + p
        }
        guard mustExist else { return abs }
        guard let r = FileIO.realPath(abs) else {
            throw RuntimeError("\(what) \"\(p)\"", cause: SysError("stat", abs))
        }
        return r
    }

    static func runPoststop(_ hooks: [Hook]?, state: State, log: Logger) {
        guard let hooks else { return }
        for (i, h) in hooks.enumerated() {
            do { try HookRunner.run([h], kind: "poststop", state: state) } catch {
                log.warn("poststop hook #\(i) (\(h.path)) failed: \(error)")
            }
        }
    }
}

extension SeccompPlan {
    /// The runtime's copy of the plan's listener (connected to linux.seccomp.listenerPath), owned:
    /// closed when it goes away; in the child's branch of clone3 it becomes the child's `ChildFD`.
    static func runtimeCopy(_ plan: SeccompPlan?) -> FileDescriptor? {
        guard let l = plan?.listener, l >= 0 else { return nil }
        return FileDescriptor(adopting: l)
    }
}

/// Namespace changes the parent makes for its next child only (pid join, new time namespace),
/// undone right after clone3 so hooks and later children stay in the host's namespaces.
/// Owns the fds of the namespaces to go back to (closed by `undo`, or when it goes away).
struct NamespaceSwitch: ~Copyable {
    var savedPid: FileDescriptor? = nil
    var savedTime: FileDescriptor? = nil

    init(plan: NamespacePlan, timeOffsets: [String: LinuxTimeOffset]?) throws {
        if let p = plan.pidPath {
            savedPid = FileDescriptor(adopting: try FileIO.open("/proc/self/ns/pid", O_RDONLY))
            do { try Namespaces.join(.pid, path: p) } catch {
                undo()
                throw RuntimeError("linux.namespaces: join pid namespace \(p)", cause: error)
            }
        }
        // (With a joining child, that child makes it inside the joined user namespace.)
        if plan.newTime && !plan.forkInJoinedUserNamespace {
            savedTime = FileDescriptor(adopting: try FileIO.open("/proc/self/ns/time_for_children", O_RDONLY))
            do {
                try Namespaces.unshare(NamespaceKind.time.cloneFlag, what: "time namespace")
                let lines = Self.offsetLines(timeOffsets)
                if !lines.isEmpty { try ProcFS.with { try $0.write("self/timens_offsets", lines) } }
            } catch {
                undo()
                throw RuntimeError("linux.timeOffsets", cause: error)
            }
        }
    }

    /// linux.timeOffsets as /proc/<pid>/timens_offsets takes them.
    static func offsetLines(_ timeOffsets: [String: LinuxTimeOffset]?) -> String {
        var lines = ""
        for (clock, off) in (timeOffsets ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines += "\(clock) \(off.secs ?? 0) \(off.nanosecs ?? 0)\n"
        }
        return lines
    }

    mutating func undo() {
        if let fd = savedPid.take() { try? Namespaces.setns(fd: fd.rawValue, .pid, path: "/proc/self/ns/pid") }
        if let fd = savedTime.take() { try? Namespaces.setns(fd: fd.rawValue, .time, path: "/proc/self/ns/time_for_children") }
    }
}
