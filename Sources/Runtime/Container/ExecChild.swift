#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// `exec`'s child (stage "exec" in Docs/ARCHITECTURE.md): runs in the clone3 child of
/// `swiftrun exec`, never in the runtime. It joins the container through a pidfd of its init
/// (one setns for every namespace), takes the init's root when the container has no mount
/// namespace of its own, makes its terminal, then goes through the same ProcessFinalize as the
/// init and execs. Never returns.
extension Exec {
    /// The fds are the child's (`ChildFD`: closed only here, or by the exec): `initPidfd` once the
    /// namespaces are joined, `console` once the pty master is sent; `sync` stays open until the
    /// exec closes it (close-on-exec), which `exec` reads as success.
    static func execChild(_ o: ExecOptions, record r: ContainerRecord, linux: Linux?, initPidfd: consuming ChildFD, nsFlags: UInt64,
                          sync: consuming ChildSync, console: consuming ChildFD?, seccomp: SeccompPlan?,
                          seccompListener: consuming ChildFD?, preserved: [Int32],
                          landlock: LandlockPlan? = nil, log: Logger) -> Never {
        let k: any Kernel = LinuxKernel()
        _ = k.setDumpable(false)
        // Nothing of the caller's or the runtime's (the cgroup dir fd, the state dir) may reach the
        // container (CVE-2024-21626): keep only what this child uses, and the preserved fds.
        var kept = [sync.fd, initPidfd.rawValue, log.fd] + preserved
        if let fd = console.rawValue { kept.append(fd) }
        if let fd = seccompListener.rawValue { kept.append(fd) }
        FDTable.closeAll(except: kept)
        let terminal = console != nil
        let hostPid = Proc.pidInMountedProc()
        let state = State(ociVersion: ociVersion, id: r.id, status: "running", pid: r.pid, bundle: r.bundle,
                          annotations: r.annotations)
        do {
            try sync.expect(.proceed, peer: "runtime")
            let p = o.process
            SignalMask.resetForChild()
            _ = k.setsid()
            // The host's procfs, opened before joining the container: setgroups and the LSM
            // attributes are read and written through it, never through the container's /proc
            // (which the container can replace, e.g. by a tmpfs saying setgroups is denied).
            let proc: ProcFS
            do { proc = try ProcFS.open() } catch { throw RuntimeError("exec: open the host's procfs", cause: error) }
            // No mount namespace of its own: the container's root is the init's chroot, which setns
            // cannot give us; take it from the init before joining anything.
            let initRoot: ChildFD? = r.hostRootfsBelowMountID == nil ? nil
                : ChildFD(adopting: try FileIO.open("/proc/\(r.pid)/root", SafePath.O_PATH | O_DIRECTORY | O_CLOEXEC))
            if nsFlags != 0 {
                let pidfd = initPidfd.rawValue
                try sys("setns", "namespaces of container \(r.id)") { k.setns(pidfd, Int32(truncatingIfNeeded: nsFlags)) }
                if nsFlags & NamespaceKind.user.cloneFlag != 0 {
                    _ = k.setresgid(0, 0, 0)
                    _ = k.setresuid(0, 0, 0)
                }
            }
            initPidfd.close()
            if let root = initRoot {
                let fd = root.rawValue
                try sys("fchdir", "the container's root") { k.fchdir(fd) }
                try sys("chroot", "the container's root") { k.chroot(".") }
                root.close()
                try sys("chdir", "/") { k.chdir("/") }
            }
            if let socket = console.take() {
                // The container's root (setns moved us there), so ptmx is looked up inside it.
                let root = ChildFD(adopting: try FileIO.open("/", SafePath.O_PATH | O_DIRECTORY))
                let slave = try Console.openPty(root: root.rawValue, socket: socket.rawValue, size: p.consoleSize)
                root.close()
                socket.close()
                // Proxied by `exec` in the foreground: no "\r\n" (as runc; see Foreground).
                if o.consoleSocket == nil { Foreground.clearONLCR(slave) }
                try Console.attach(slave: FileDescriptor(adopting: slave))
            }
            // In the container's root now, and still privileged: its paths, as the init opens them.
            let ruleset = try landlock.map(LandlockRuleset.build)
            // rlimits, scheduler, capabilities, identity, cwd, no_new_privs: the init's sequence.
            let done = try ProcessFinalize(kernel: k, process: p, linux: linux, seccomp: seccomp, hostPid: hostPid,
                                           terminal: terminal, setgroupsAllowed: Identity.setgroupsAllowed(proc),
                                           state: { state }, log: log).run()
            // The filter is in: its listener has carried its one message (a late one goes with execve).
            if seccomp?.installEarly == true { seccompListener.close() }
            try Launch.exec(p, linux: linux, preserveFDs: o.preserveFDs, preserved: preserved, seccomp: seccomp, state: state,
                            hostPid: hostPid, proc: proc, landlock: ruleset, privilegedApplied: done.privilegedApplied)
        } catch { fail(error, sync) }
    }

    /// The error goes to `exec` on the sync socket, and the child exits.
    static func fail(_ e: Error, _ sync: consuming ChildSync) -> Never {
        try? sync.send(.failure(e))
        Proc.exitNow(1)
    }
}
