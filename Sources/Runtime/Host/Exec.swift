#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

public struct ExecOptions: Sendable {
    public var process: OCISpec.Process
    public var consoleSocket: String?
    public var pidFile: String?
    public var detach = false
    public var preserveFDs: Int32 = 0
    /// As CreateOptions.callerFDs.
    public var callerFDs: [Int32]? = nil
    public var ignorePaused = false
    /// `--cgroup`: a sub-cgroup of the container's to run the process in.
    public var cgroup = ExecCgroup()
    /// `--pidfd-socket`: where a pidfd of the exec'd process is sent once it runs.
    public var pidfdSocket: String?
    public init(process: OCISpec.Process) { self.process = process }
}

/// `exec`: run another process in a live container. The runtime joins the container's pid (and
/// time) namespace for its next child only, clone3s that child, and the child setns()es into
/// the rest through a pidfd of the container's init (one atomic setns for all of them), takes
/// the process's credentials and execs. The child is non-dumpable from its first instruction
/// until execve, so container processes cannot open its /proc/<pid>/exe (the swiftrun binary).
public enum Exec {
    public static func run(store: StateStore, id: String, options o: ExecOptions) throws -> Int32 {
        let r = try store.load(id)
        let status = store.status(of: r)
        switch status {
        case .stopped: throw RuntimeError("cannot exec in a stopped container", code: .invalidState)
        case .creating: throw RuntimeError("cannot exec in a container that is still being created", code: .invalidState)
        case .paused where !o.ignorePaused:
            throw RuntimeError("cannot exec in a paused container (use --ignore-paused to override)", code: .invalidState)
        default: break
        }
        guard let argv0 = o.process.args?.first, !argv0.isEmpty else { throw RuntimeError("exec: process.args must not be empty") }
        if o.process.terminal == true && o.consoleSocket == nil && o.detach {
            throw RuntimeError("cannot allocate a tty for a detached exec without --console-socket", code: .invalidConfig)
        }
        let config = try store.loadedConfig(of: r)
        let spec = config.spec
        let preserved = try PreservedFDs.select(count: o.preserveFDs, callerFDs: o.callerFDs)
        let seccomp = try SeccompPlan.make(spec.linux?.seccomp, source: config.seccompSource, process: o.process,
                                           cacheRoot: store.root, log: store.log)
        // Our copy of the listener (its number travels in the plan), closed when we return; the
        // child's branch of clone3 makes the child's its own (`forChild()`).
        let seccompListener = SeccompPlan.runtimeCopy(seccomp)
        let landlock = try LandlockPlan.make(o.process.landlock, file: "exec", warn: store.log.warn)
        // Owned here; the child takes its number across clone3 (execChild closes it).
        let initPidfd = FileDescriptor(adopting: try Proc.pidfdOpen(r.pid))
        guard Proc.isAlive(r.pid, startTime: r.pidStartTime) else { throw RuntimeError("cannot exec in a stopped container", code: .invalidState) }

        // Every namespace the container has (created or joined) is the init's now.
        var kinds: [NamespaceKind] = []
        for ns in spec.linux?.namespaces ?? [] {
            if let k = NamespaceKind(specType: ns.type) { kinds.append(k) }
        }
        let forChildren = kinds.filter { $0 == .pid || $0 == .time }.reduce(UInt64(0)) { $0 | $1.cloneFlag }
        let forSelf = kinds.filter { $0 != .pid && $0 != .time }.reduce(UInt64(0)) { $0 | $1.cloneFlag }

        let oldMask = o.detach ? nil : SignalMask.blockAll()
        defer { if let oldMask { SignalMask.restore(oldMask) } }

        // A terminal: to the engine's console socket, or to us (proxied in the foreground).
        var consoleSocket: FileDescriptor? = nil
        var ptyReceiver: FileDescriptor? = nil
        if o.process.terminal == true {
            if let path = o.consoleSocket {
                consoleSocket = FileDescriptor(adopting: try Console.connect(path))
            } else {
                let pair = try Console.socketPair()
                ptyReceiver = FileDescriptor(adopting: pair.receiver)
                consoleSocket = FileDescriptor(adopting: pair.sender)
            }
        }

        // An ordinary user may join the container's pid namespace only from inside its user
        // namespace, which it could never leave: a child joins them all and forks the process,
        // as our child (CLONE_PARENT), then exits (RootlessExec).
        let viaUserNamespace = Credentials.euid != 0 && kinds.contains(.user)
        if forChildren != 0 && !viaUserNamespace {
            try sys("setns", "pid/time namespaces of container \(id)") { LinuxKernel().setns(initPidfd.rawValue, Int32(truncatingIfNeeded: forChildren)) }
        }
        var pidPipe = viaUserNamespace ? try RootlessExec.pipe() : nil
        let sync = try SyncPair()
        let cg = ContainerCgroup.load(r)
        // In a frozen cgroup the process would freeze before it execs (and we would wait for ever):
        // with --ignore-paused it joins the cgroup once it has exec'd, and freezes then.
        let joinAfterExec = status == .paused
        if !o.cgroup.isEmpty && cg == nil { throw RuntimeError("--cgroup: container \(id) has no cgroup") }
        // A sub-cgroup (--cgroup) is joined by pid before the child proceeds, as in v1.
        var cgroupDir: FileDescriptor? = nil
        if !joinAfterExec && o.cgroup.isEmpty, let fd = try cg?.cloneIntoFD() { cgroupDir = FileDescriptor(adopting: fd) }
        let joinedByClone = cgroupDir != nil
        // execCPUAffinity.initial: the child starts on those CPUs (final is applied before execve).
        let savedAffinity = try ProcessAttributes.applyInitialAffinity(o.process.execCPUAffinity)
        let forked: (pid: pid_t, pidfd: Int32)
        do { forked = try Proc.clone3(flags: 0, cgroupFD: cgroupDir.raw()) } catch {
            ProcessAttributes.restoreAffinity(savedAffinity)
            throw error
        }
        if forked.pid == 0 {
            // The child: what it keeps becomes its own (ChildFD: closed only where execChild says,
            // never by a deinit on its way to execve); the runtime's ends go now.
            let childSync = sync.inChild()
            ptyReceiver = nil
            cgroupDir = nil
            let childPidfd = ChildFD(initPidfd), console = consoleSocket.forChild()
            var nsFlags = forSelf
            if let pipe = pidPipe.take() {
                RootlessExec.joinAndFork(initPidfd: childPidfd, flags: forSelf | forChildren, pipe: pipe.forChild(), sync: childSync)
                nsFlags = 0  // the grandchild: in every namespace of the container already
            }
            execChild(o, record: r, linux: spec.linux, initPidfd: childPidfd, nsFlags: nsFlags, sync: childSync,
                      console: console,
                      seccomp: seccomp, seccompListener: seccompListener.forChild(), preserved: preserved, landlock: landlock, log: store.log)
        }
        ProcessAttributes.restoreAffinity(savedAffinity)
        cgroupDir = nil  // clone3 has used it
        initPidfd.close()
        let hostSync = sync.inParent()
        let direct = ChildProcess(pid: forked.pid, pidfd: FileDescriptor(adopting: forked.pidfd))
        let child: ChildProcess
        if let pipe = pidPipe.take() {
            child = try RootlessExec.grandchild(of: direct, pipe: pipe, sync: hostSync)
        } else {
            child = direct
        }
        do {
            if !joinedByClone, !joinAfterExec, let cg { try join(cg, child.pid, o.cgroup) }
            try hostSync.send(.proceed)
        } catch {
            try? Proc.signal(pidfd: child.pidfd.rawValue, SIGKILL)
            _ = try? Proc.wait(child.pid)
            throw RuntimeError("exec: join the container's cgroup", cause: error)
        }
        // The child reports an error, or closes the (close-on-exec) socket by exec'ing.
        let reply = try hostSync.receive()
        if let e = reply?.runtimeError {
            _ = try? Proc.wait(child.pid)
            throw e
        }
        if joinAfterExec, let cg {
            do { try join(cg, child.pid, o.cgroup) } catch { throw RuntimeError("exec: join the container's cgroup", cause: error) }
        }
        if let pf = o.pidFile {
            let p = try Create.absolutePath(pf, what: "pid file", mustExist: false)
            try FileIO.writeAtomically(p, Array("\(child.pid)".utf8), mode: 0o644)
        }
        if let path = o.pidfdSocket { try PidfdSocket.send(child.pidfd.rawValue, to: path) }
        var master: FileDescriptor? = nil
        if ptyReceiver.raw() >= 0, let m = Console.receiveMaster(ptyReceiver.raw()) { master = FileDescriptor(adopting: m) }
        if o.detach { return 0 }
        let m = master.raw()
        let code = Foreground.wait(pid: child.pid, pidfd: child.pidfd.rawValue, ptyMaster: m >= 0 ? m : nil).code
        master = nil
        return code
    }

    static func join(_ cg: CgroupManager, _ pid: pid_t, _ sub: ExecCgroup) throws {
        if sub.isEmpty { try cg.addProcess(pid) } else { try sub.addProcess(pid, paths: cg.paths) }
    }
}
