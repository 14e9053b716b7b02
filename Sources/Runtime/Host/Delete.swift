#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The `delete` operation: remove what `create` made, then poststop hooks.
public enum Delete {
    /// `known`: the record when the caller (run) has it in memory already.
    public static func run(store: StateStore, id: String, force: Bool, known: ContainerRecord? = nil) throws {
        let lock: ContainerLock
        do { lock = try store.lock(id) } catch let e as RuntimeError where e.code == .notFound && force {
            return // containerd's cleanup deletes again after a normal delete
        }
        defer { lock.release() }
        let r: ContainerRecord
        do { r = try known ?? store.load(id) } catch let e as RuntimeError where e.code == .notFound {
            // No state.json: a create that died before it recorded the container (it is not
            // running: we hold its lock). It is stopped; remove what its intent names.
            try removeHalfMade(store: store, id: id)
            return
        }
        let status = store.status(of: r)
        switch status {
        case .stopped: break
        case .created, .creating:
            try killAndWait(r)
        case .running, .paused:
            guard force else {
                throw RuntimeError("cannot delete container \(id) that is not stopped: \(status.rawValue)", code: .invalidState)
            }
            try killAndWait(r)
        }
        try destroy(store: store, id: id, record: r)
    }

    /// Lifecycle steps 12 and 13 for a container whose init is gone, with its lock held: remove
    /// its cgroups, resctrl groups and state, then run its poststop hooks.
    static func destroy(store: StateStore, id: String, record r: ContainerRecord) throws {
        // Leftovers (exec'd processes of a container without a pid namespace) go with the cgroups.
        do {
            try HostTeardown.run(id: id, cgroup: ContainerCgroup.load(r), resctrlDirs: r.resctrlDirs, log: store.log,
                                 hostRootfs: r.rootfs, belowMountID: r.hostRootfsBelowMountID)
        } catch {
            throw RuntimeError("delete container \(id)", cause: error)
        }
        try store.remove(id)
        Create.runPoststop(r.hooks?.poststop, state: store.ociState(r, status: .stopped), log: store.log)
    }

    /// A state dir without state.json. Its init, if create got that far, was in the cgroups the
    /// intent names (and died with create, or dies now); hooks died with create (HookRunner).
    /// No poststop hooks: as when create fails, they only follow an init that was recorded.
    static func removeHalfMade(store: StateStore, id: String) throws {
        var intent: CreateIntent?
        do { intent = try store.loadIntent(id) } catch let e as RuntimeError where e.code == .notFound {
            // Died before it wrote the intent: it made nothing else.
        } catch {
            store.log.warn("container \(id): unreadable intent.json, its cgroups may be left: \(error)")
        }
        if let intent {
            do {
                try HostTeardown.run(id: id, cgroup: intent.cgroup, resctrlDirs: intent.resctrlDirs, log: store.log,
                                     hostRootfs: intent.rootfs, belowMountID: intent.hostRootfsBelowMountID)
            } catch {
                throw RuntimeError("delete container \(id)", cause: error)
            }
        }
        try store.remove(id)
    }

    /// SIGKILL the init (the whole pid namespace goes with it) and wait until it is gone.
    static func killAndWait(_ r: ContainerRecord) throws {
        guard let raw = try? Proc.pidfdOpen(r.pid) else { return }
        let pidfd = FileDescriptor(adopting: raw)
        guard Proc.isAlive(r.pid, startTime: r.pidStartTime) else { return }
        if !r.ownPidNamespace {
            // Without a pid namespace, children of the init would survive it.
            for p in Kill.processesInPidNamespace(of: r.pid) where p != r.pid && isDescendant(p, of: r.pid) {
                try? Proc.kill(p, SIGKILL)
            }
        }
        try Proc.signal(pidfd: pidfd.rawValue, SIGKILL)
        // A frozen process cannot die; v1 freezers need a thaw.
        if let cg = ContainerCgroup.load(r), cg.isFrozen() { try? cg.thaw() }
        Proc.waitReadable(pidfd.rawValue, timeoutMS: 10_000, retryOnInterrupt: false)
    }

    static func isDescendant(_ pid: pid_t, of ancestor: pid_t) -> Bool {
        var p = pid
        for _ in 0..<64 {
            guard let pp = ProcStat.read(p)?.parent else { return false }
            if pp == ancestor { return true }
            if pp <= 1 { return false }
            p = pp
        }
        return false
    }
}
