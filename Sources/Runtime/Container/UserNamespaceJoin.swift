#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// A user namespace joined by path together with a new pid namespace (a Kubernetes pod with user
/// namespaces: each container joins the sandbox's user namespace and gets a pid namespace of its
/// own). The pid namespace belongs to the user namespace of the process that creates it, and the
/// container's root may mount /proc only for a pid namespace its user namespace owns; the runtime
/// cannot join the user namespace itself (it could never leave it). So the runtime clones this
/// child without namespace flags; it sets oom_score_adj with the host's credentials, joins the
/// namespaces given by path (NamespaceJoins: runc's order), makes a new time namespace (with its
/// offsets) for its child, and clones the init with
/// `CLONE_NEWPID | CLONE_PARENT`: the init is the runtime's child, PID 1 of a pid namespace owned by
/// the joined user namespace, and in every joined namespace already. This child writes the init's
/// pid to a pipe and exits; the runtime reaps it and goes on with the init (`UserNamespaceJoin.init`).
/// Only this case costs the extra process.
enum UserNamespaceJoin {
    /// In the runtime's child: returns only in the init (with `namespacesJoined`); the child itself exits.
    static func cloneInit(_ context: consuming InitContext, pidPipe: consuming ChildPipe) -> InitContext {
        var c = context
        pidPipe.read.close()
        // Only what the init needs goes into the joined user namespace with us (the init closes
        // the rest too): not the runtime's lock, state dir or cgroup fds.
        c.kernel.closeFDs(except: ContainerInit.keptFDs(c) + [pidPipe.write.rawValue])
        do {
            let flags = try enter(c)
            let g = try Proc.clone3(flags: flags)
            if g.pid == 0 {
                pidPipe.write.close()
                c.namespacesJoined = true
                return c
            }
            var pid = g.pid
            let out = pidPipe.write.rawValue
            try withUnsafeBytes(of: &pid) { try FileIO.writeAll(fd: out, Array($0), name: "init pid pipe") }
            Proc.exitNow(0)
        } catch {
            try? c.sync.send(.failure(error))
            Proc.exitNow(1)
        }
    }

    /// What the child does before it clones the init; returns the init's clone flags.
    static func enter(_ c: borrowing InitContext) throws -> UInt64 {
        let k = c.kernel
        // Like the init: nothing of the runtime's may be reached through us, and we die with `create`.
        _ = k.setDumpable(false)
        _ = k.prctl(PR_SET_PDEATHSIG, UInt(SIGKILL))
        if Proc.parentPid != c.parentPid { Proc.exitNow(1) }
        try ContainerInit.setOOMScoreAdj(c.process)
        // A new time namespace (for the init: time_for_children) must be made inside the joined
        // user namespace to be owned by it, and its offsets written before any process is in it.
        // Non-dumpable there, /proc/self is no longer ours to open, and the kernel checks the
        // opener's credentials: open the host's file now, write it once the namespace exists.
        let offsets = c.plan.newTime ? NamespaceSwitch.offsetLines(c.spec.linux?.timeOffsets) : ""
        var offsetsFile: FileDescriptor? = nil  // (this function returns: closed when it does)
        if !offsets.isEmpty {
            do { offsetsFile = FileDescriptor(adopting: try ProcFS.with { try $0.openFile("self/timens_offsets", flags: O_WRONLY) }) } catch {
                throw RuntimeError("linux.timeOffsets", cause: error)
            }
        }
        try NamespaceJoins.enter(c.plan.joins, kernel: k)
        if c.plan.newTime {
            do {
                try Namespaces.unshare(NamespaceKind.time.cloneFlag, what: "time namespace", kernel: k)
                if let fd = offsetsFile.take() {
                    try FileIO.writeAll(fd: fd.rawValue, Array(offsets.utf8), name: "/proc/self/timens_offsets")
                }
            } catch { throw RuntimeError("linux.timeOffsets", cause: error) }
        }
        return c.plan.cloneFlags | Proc.cloneParent
    }

    /// In the runtime: the init's pid (from the pipe) and a pidfd of it, once the child is reaped;
    /// the child's error (from the sync socket) when it failed before cloning the init.
    static func initProcess(child: consuming ChildProcess, pidPipe: consuming OwnedPipe,
                            sync: borrowing HostSync) throws -> ChildProcess {
        // Ours goes, so that EOF means the child and the init have closed theirs.
        pidPipe.write.close()
        let bytes = (try? FileIO.readAll(fd: pidPipe.read.rawValue, name: "init pid pipe", limit: 4)) ?? []
        pidPipe.read.close()
        let status = (try? Proc.wait(child.pid)) ?? nil
        child.pidfd.close()
        guard bytes.count == 4 else {
            if let e = (try? sync.receive())??.runtimeError { throw e }
            var how = ""
            switch status {
            case .exited(let n)?: how = " (exit status \(n))"
            case .signaled(let n)?: how = " (killed by signal \(n))"
            case nil: break
            }
            throw RuntimeError("create the container process: the process joining the user namespace exited\(how)")
        }
        let pid = bytes.withUnsafeBytes { $0.load(as: Int32.self) }
        // Our child (CLONE_PARENT) and not yet reaped: the pid cannot have been reused.
        return ChildProcess(pid: pid, pidfd: FileDescriptor(adopting: try Proc.pidfdOpen(pid)))
    }
}
