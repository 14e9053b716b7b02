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
        do { lock = try store.lock(id) } catch let e as RuntimeError where e.errno == ENOENT && force {
            return // containerd's cleanup deletes again after a normal delete
        }
        defer { lock.release() }
        let r: ContainerRecord
        do { r = try known ?? store.load(id) } catch let e as RuntimeError where e.errno == ENOENT {
            // A state dir without state.json: a create that died half-way. Clean it.
            try store.remove(id)
            if force { return }
            throw e
        }
        let status = store.status(of: r)
        switch status {
        case .stopped: break
        case .created, .creating:
            try killAndWait(r)
        case .running, .paused:
            guard force else {
                throw RuntimeError("cannot delete container \(id) that is not stopped: \(status.rawValue)")
            }
            try killAndWait(r)
        }
        if let cg = ContainerCgroup.load(r) {
            // Leftovers (exec'd processes of a container without a pid namespace) go too.
            if let left = try? cg.pids(), !left.isEmpty { try? cg.kill(signal: SIGKILL) }
            if cg.isFrozen() { try? cg.thaw() }
            do { try cg.destroy() } catch { throw RuntimeError("delete container \(id): remove its cgroup", cause: error) }
        }
        try store.remove(id)
        Create.runPoststop(r.hooks?.poststop, state: store.ociState(r, status: .stopped))
    }

    /// SIGKILL the init (the whole pid namespace goes with it) and wait until it is gone.
    static func killAndWait(_ r: ContainerRecord) throws {
        guard let pidfd = try? Proc.pidfdOpen(r.pid) else { return }
        defer { close(pidfd) }
        guard Proc.isAlive(r.pid, startTime: r.pidStartTime) else { return }
        if !r.ownPidNamespace {
            // Without a pid namespace, children of the init would survive it.
            for p in Kill.processesInPidNamespace(of: r.pid) where p != r.pid && isDescendant(p, of: r.pid) {
                _ = Glibc.kill(p, SIGKILL)
            }
        }
        try Proc.signal(pidfd: pidfd, SIGKILL)
        // A frozen process cannot die; v1 freezers need a thaw.
        if let cg = ContainerCgroup.load(r), cg.isFrozen() { try? cg.thaw() }
        var pfd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        _ = poll(&pfd, 1, 10_000)
    }

    static func isDescendant(_ pid: pid_t, of ancestor: pid_t) -> Bool {
        var p = pid
        for _ in 0..<64 {
            guard let s = try? FileIO.readString("/proc/\(p)/stat"), let close = s.lastIndex(of: ")") else { return false }
            let f = s[s.index(after: close)...].split(separator: " ")
            guard f.count > 1, let pp = Int32(f[1]) else { return false }
            if pp == ancestor { return true }
            if pp <= 1 { return false }
            p = pp
        }
        return false
    }
}
