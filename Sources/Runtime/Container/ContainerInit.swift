#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Rootfs

/// Everything the container's init needs; built by `create` in the child's branch of clone3, so
/// the child only consumes it (the child is a copy of the runtime: single-threaded, no exec in
/// between). Move-only: it holds the fds the init took over as `ChildFD`s (closed only where the
/// init says, never by a `deinit` on its way to execve; Docs/ARCHITECTURE.md).
struct InitContext: ~Copyable {
    let id: String
    let spec: Spec
    let process: OCISpec.Process
    let bundle: String
    let rootfs: String
    let plan: NamespacePlan
    let noPivot: Bool
    let preserveFDs: Int32
    /// The caller's fds among 3..<3+preserveFDs: the only ones besides 0-2 the container gets.
    let preserved: [Int32]
    /// The init's end of the sync socket; closed once `created` came.
    let sync: ChildSync
    /// The start socket (`Create.listenForStart`); closed once `start` connected (nil in tests).
    var startListener: ChildFD?
    let parentPid: pid_t
    /// Connected --console-socket when process.terminal is true; closed once the pty master is sent.
    var consoleSocket: ChildFD?
    let noNewKeyring: Bool
    /// Detached idmapped mounts made by `create` (IdmappedMounts.prepare), by index in mounts;
    /// closed once the rootfs is mounted.
    var idmapFDs = ChildFDMap()
    /// Bind-mount sources opened by `create` on the host side (BindSources), by index in mounts;
    /// closed with the idmapped mounts.
    var bindSourceFDs = ChildFDMap()
    /// linux.seccomp, compiled by the runtime.
    var seccomp: SeccompPlan? = nil
    /// Its listener (the number in `seccomp`): closed after an early install, else by execve.
    var seccompListener: ChildFD? = nil
    /// The container's cgroup directories (for the cgroup v1 layout of a `cgroup` mount).
    var cgroupPaths: [String: String] = [:]
    /// process.landlock as this kernel enforces it (the ruleset is built after pivot_root).
    var landlock: LandlockPlan? = nil
    /// The namespaces given by path were joined (and oom_score_adj set) by the runtime's child
    /// that cloned this init (UserNamespaceJoin).
    var namespacesJoined = false
    /// Where the init's namespace, identity and mount syscalls go (a RecordingKernel in tests).
    var kernel: any Kernel = LinuxKernel()
    /// The runtime's log (its --log file, a host fd): the init logs there until it is ready.
    var log: Logger = .stderr
    /// The init's copy of the --log file (the number in `log`), closed when the init detaches it.
    var logFile: ChildFD? = nil
    /// Sets `lo` up in a new network namespace (Loopback.up; a stand-in in tests).
    var loopback: () throws -> Void = Loopback.up
}

/// The container's init (stage "init" in Docs/ARCHITECTURE.md). Runs in the clone3 child:
/// joins/creates namespaces, builds the rootfs, drops privileges, reports ready, then waits on
/// the start socket and execs the user program. Never returns.
enum ContainerInit {
    static func run(_ context: consuming InitContext) -> Never {
        var c = context
        let prepared: Prepared
        do {
            prepared = try setup(&c)
            // From here on the init outlives `create`: clear the parent-death signal *before*
            // saying ready, or the runtime's exit could race it and kill us. Until `created` the
            // sync socket ties us to create instead: its EOF (create died) makes us exit.
            _ = c.kernel.prctl(PR_SET_PDEATHSIG, 0)
            // While it waits for `start` the init holds only 0-2, the preserved fds, the start
            // socket and a Landlock ruleset (the log is the runtime's; errors now go back to `start`).
            c.log = c.log.detached()
            c.logFile.close()
            try c.sync.send(.ready)
            try c.sync.expect(.created, peer: "runtime")
        } catch {
            try? c.sync.send(.failure(error))
            Proc.exitNow(1)
        }
        waitForStartAndExec(consume c, prepared)
    }

    /// What `setup` leaves for the exec after `start` (move-only: it owns the Landlock ruleset).
    struct Prepared: ~Copyable {
        /// The init's pid as the runtime sees it (read from the host's /proc before pivot_root).
        let hostPid: Int32
        /// process.landlock's ruleset, built inside the container's root, enforced by Launch.
        let landlock: LandlockRuleset?
        /// ProcessFinalize applied the privileged attributes (Launch must not repeat them).
        var privilegedApplied = false
    }

    /// The fds the init needs; every other one (the caller's, the runtime's cgroup and state dir
    /// fds, the flock) is closed before the init uses any path from the config (CVE-2024-21626).
    static func keptFDs(_ c: borrowing InitContext) -> [Int32] {
        var kept = [c.sync.fd, c.log.fd] + Array(c.idmapFDs.numbers.values) + Array(c.bindSourceFDs.numbers.values)
            + c.preserved
        if let fd = c.startListener.rawValue { kept.append(fd) }
        if let fd = c.consoleSocket.rawValue { kept.append(fd) }
        if let fd = c.seccompListener.rawValue { kept.append(fd) }
        return kept
    }

    /// The host's procfs for `body` (opened before anything of the container is mounted).
    static func withHostProcFS<T>(_ body: (ProcFS) throws -> T) throws -> T {
        try ProcFS.with(openFailure: { RuntimeError("open the host's procfs", cause: $0) }, body)
    }

    static func setup(_ c: inout InitContext) throws -> Prepared {
        let k = c.kernel
        k.closeFDs(except: keptFDs(c))
        let hostPid = Proc.pidInMountedProc()
        // (A joining child already did it, and the value is inherited.)
        if !c.namespacesJoined { try setOOMScoreAdj(c.process) }
        // Until execve the init is the runtime binary: non-dumpable, so no container process can
        // open /proc/1/exe and write through it to the host's swiftrun (CVE-2019-5736 class).
        _ = k.setDumpable(false)
        // Die with `create` until we are ready; afterwards the init outlives it.
        _ = k.prctl(PR_SET_PDEATHSIG, UInt(SIGKILL))
        // (getppid() is 0 whenever the parent is outside our pid namespace: a new one, or one
        // joined by path. Then a dead parent shows as EOF on the sync socket instead.)
        let ppid = Proc.parentPid
        if ppid != 0 && ppid != c.parentPid { Proc.exitNow(1) }
        k.resetSignals()
        if k.setsid() < 0 { throw RuntimeError("setsid", cause: SysError("setsid")) }

        try enterNamespaces(c)
        // Like runc: a session keyring of its own, so containers never share the host's keys.
        if !c.noNewKeyring && k.joinSessionKeyring("_ses.\(c.id)") < 0 && errno != ENOSYS {
            throw RuntimeError("join a new session keyring", cause: SysError("keyctl", "_ses.\(c.id)"))
        }
        let linux = c.spec.linux
        if let h = c.spec.hostname, !h.isEmpty {
            try sys("sethostname", h) { k.sethostname(h) }
        }
        if let d = c.spec.domainname, !d.isEmpty {
            try sys("setdomainname", d) { k.setdomainname(d) }
        }
        // The init's own procfs files, through a verified procfs (the host's: nothing of the
        // container is mounted yet). Per-namespace sysctls resolve against the writer's
        // namespaces, so the host's procfs sets the container's. setgroups is final once the
        // namespaces are entered; it is read here, not through the container's /proc later.
        let setgroupsAllowed = try withHostProcFS { proc in
            for (k, v) in (linux?.sysctl ?? [:]).sorted(by: { $0.key < $1.key }) {
                do { try proc.write(Sysctl.procName(k), v) } catch {
                    throw RuntimeError("linux.sysctl: set \(k) = \(v)", cause: error)
                }
            }
            return Identity.setgroupsAllowed(proc)
        }

        var rc = RootfsConfig(spec: c.spec, bundle: c.bundle, rootfs: c.rootfs, noPivot: c.noPivot,
                              // Also a runtime that is itself in a user namespace (rootless podman's):
                              // devices are bound, sysfs falls back to a bind, as runc does.
                              inNewUserNamespace: c.plan.newUser || c.plan.joins.contains { $0.kind == .user }
                                  || Rootless.inUserNamespace(),
                              // A mount namespace joined by path is the container's own as much as a new one (runc sets
                              // the rootfs up in it the same way).
                              newMountNamespace: c.plan.newMount || c.plan.joins.contains { $0.kind == .mount },
                              cgroupNamespace: c.plan.newCgroup)
        rc.idmappedMountFDs = c.idmapFDs.numbers
        rc.bindSourceFDs = c.bindSourceFDs.numbers
        rc.inRuntimeMountNamespace = !c.plan.newMount && !c.plan.joins.contains { $0.kind == .mount }
        rc.cgroupPaths = c.cgroupPaths
        rc.kernel = k
        try Rootfs.prepare(rc)
        c.idmapFDs.close()
        c.bindSourceFDs.close()
        var consoleSlave: FileDescriptor? = nil
        if let socket = c.consoleSocket.take() {
            consoleSlave = FileDescriptor(adopting: try Console.setUp(rootfs: c.rootfs, socket: socket.rawValue,
                                                                      size: c.process.consoleSize))
            socket.close()
        }
        let terminal = consoleSlave != nil

        let hooks = c.spec.hooks
        if !(hooks?.prestart ?? []).isEmpty || !(hooks?.createRuntime ?? []).isEmpty {
            try c.sync.send(.runtimeHooks)
            try c.sync.expect(.runtimeHooksDone, peer: "runtime")
        }
        // In the container's namespaces, before the switch: the rootfs is the hook's cwd.
        try HookRunner.run(hooks?.createContainer, kind: "createContainer", state: containerState(c, "creating"),
                           cwd: c.rootfs)

        try WorkingDirectory.create(c.process.cwd, inRootfs: c.rootfs)
        try Rootfs.finalize(rc)
        if let slave = consoleSlave.take() { try Console.attach(slave: slave) } else { try k.reopenDevNullStdio() }
        // While still root with every capability: the paths are the container's from here on.
        let landlock = try c.landlock.map(LandlockRuleset.build)

        // rlimits, scheduler, capabilities, identity, cwd, no_new_privs: shared with `exec`.
        let (id, bundle, annotations) = (c.id, c.bundle, c.spec.annotations)
        let done = try ProcessFinalize(kernel: k, process: c.process, linux: linux, seccomp: c.seccomp, hostPid: hostPid,
                                       terminal: terminal, setgroupsAllowed: setgroupsAllowed,
                                       state: { containerState(id: id, bundle: bundle, annotations: annotations, "creating") },
                                       log: c.log).run()
        // The filter is in: its listener has carried its one message (a late one goes with execve).
        if c.seccomp?.installEarly == true { c.seccompListener.close() }
        let prepared = Prepared(hostPid: hostPid, landlock: landlock, privilegedApplied: done.privilegedApplied)

        // Resolve the program now, so that a missing binary fails `create`, as with runc.
        if c.spec.process == nil { return prepared }
        guard let argv0 = c.process.args?.first else { throw RuntimeError("config.json: process.args must not be empty") }
        _ = try PathLookup.find(argv0, env: c.process.env ?? [])
        return prepared
    }

    /// oom_score_adj with the host's credentials, before any namespace is entered (as runc):
    /// in a user namespace the file is no longer ours to write (EACCES on every create). Also
    /// before we become non-dumpable: then the file is root's, which an ordinary user may not write.
    static func setOOMScoreAdj(_ process: OCISpec.Process) throws {
        guard let adj = process.oomScoreAdj else { return }
        try withHostProcFS { proc in
            do { try proc.write("self/oom_score_adj", String(adj)) } catch {
                throw RuntimeError("process.oomScoreAdj: set \(adj)", cause: error)
            }
        }
    }

    /// setns into namespaces given by path (NamespaceJoins: runc's order), then create the
    /// remaining ones (user first, so the others belong to it), writing the id maps through the
    /// parent.
    static func enterNamespaces(_ c: borrowing InitContext) throws {
        // The parent first puts us in our cgroup (unless clone3 already did).
        try c.sync.expect(.proceed, peer: "runtime")
        let k = c.kernel
        // A joining child (UserNamespaceJoin) joined them already; we are its clone.
        if !c.namespacesJoined { try NamespaceJoins.enter(c.plan.joins, kernel: k) }
        if c.plan.unshareFlags & NamespaceKind.user.cloneFlag != 0 {
            try Namespaces.unshare(NamespaceKind.user.cloneFlag, what: "user namespace", kernel: k)
        }
        if c.plan.newUser {
            // Dumpable while the parent maps us: a non-dumpable process's /proc/<pid> files are
            // root's, which an ordinary user (and newuidmap on its behalf) may not write. Nothing
            // of the container runs yet; we are non-dumpable again before anything does.
            _ = k.setDumpable(true)
            defer { _ = k.setDumpable(false) }
            try c.sync.send(.mapRequest)
            try c.sync.expect(.mapped, peer: "runtime")
            // Become root of the new namespace when it is mapped (it usually is).
            _ = k.setresgid(0, 0, 0)
            _ = k.setresuid(0, 0, 0)
        }
        let rest = c.plan.unshareFlags & ~NamespaceKind.user.cloneFlag
        if rest != 0 { try Namespaces.unshare(rest, what: "namespaces 0x\(String(rest, radix: 16))", kernel: k) }
        if c.plan.newCgroup { try Namespaces.unshare(NamespaceKind.cgroup.cloneFlag, what: "cgroup namespace", kernel: k) }
        if c.plan.newNetwork { try c.loopback() }
    }

    static func containerState(_ c: borrowing InitContext, _ status: String) -> State {
        containerState(id: c.id, bundle: c.bundle, annotations: c.spec.annotations, status)
    }

    static func containerState(id: String, bundle: String, annotations: [String: String]?, _ status: String) -> State {
        State(ociVersion: ociVersion, id: id, status: status, pid: Proc.currentPID, bundle: bundle, annotations: annotations)
    }

    /// The first connection that asks to start (StartSocket.request); others are closed.
    static func acceptStart(_ listener: borrowing ChildFD) -> ChildFD {
        while true {
            guard let fd = try? UnixAddress.accept(listener.rawValue) else { Proc.exitNow(1) }
            let conn = ChildFD(adopting: fd)
            if FileIO.readByte(conn.rawValue) == StartSocket.request { return conn }
            conn.close()
        }
    }

    /// Blocks until `start` connects, runs startContainer hooks, and execs. Errors go back to
    /// `start` over the connection; past the hooks the init says `execing`, and the exec closes the
    /// connection (close-on-exec): see StartSocket.
    static func waitForStartAndExec(_ context: consuming InitContext, _ prepared: consuming Prepared) -> Never {
        let c = context
        // `created` was the runtime's last word.
        c.sync.close()
        guard let listener = c.startListener else { Proc.exitNow(1) }
        let conn = acceptStart(listener)
        listener.close()
        // Open until the exec closes it (close-on-exec): `start` reads that EOF as "exec'd".
        let connFD = conn.release()
        func fail(_ error: Error) -> Never {
            FileIO.writeBestEffort(connFD, StartSocket.failureReply(error))
            Proc.exitNow(1)
        }
        // `start` refuses first (ContainerRecord.hasProcess); this init has nothing to run.
        if c.spec.process == nil { fail(RuntimeError("config.json: process is required to start a container", code: .invalidConfig)) }
        do {
            // In the container, as its program will run: the container's root as cwd, and the
            // program's environment for a hook without `env` (as runc).
            // "created": the user program has not started yet (runtime.md; runc says so too).
            try HookRunner.run(c.spec.hooks?.startContainer, kind: "startContainer",
                               state: containerState(id: c.id, bundle: c.bundle, annotations: c.spec.annotations, "created"),
                               env: Launch.environment(c.process, preserveFDs: c.preserveFDs), cwd: "/")
        } catch { fail(error) }
        let running = containerState(id: c.id, bundle: c.bundle, annotations: c.spec.annotations, "running")
        // Without this byte `start` takes the EOF for a death, not an exec (StartSocket).
        FileIO.writeBestEffort(connFD, [StartSocket.execing])

        do {
            try Launch.exec(c.process, linux: c.spec.linux, preserveFDs: c.preserveFDs, preserved: c.preserved,
                            seccomp: c.seccomp,
                            state: running,
                            hostPid: prepared.hostPid, landlock: prepared.landlock,
                            privilegedApplied: prepared.privilegedApplied)
        } catch { fail(error) }
    }
}

extension String {
    func replacingOccurrences(_ a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}
