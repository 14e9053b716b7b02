#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

/// `pause` / `resume`: freeze and thaw the container's cgroup (waiting until the kernel says so).
public enum Pause {
    public static func pause(store: StateStore, id: String) throws {
        let (lock, r, cg) = try open(store, id)
        defer { lock.release() }
        switch store.status(of: r) {
        case .running, .created: break
        case .paused: throw RuntimeError("container \(id) is already paused")
        case let s: throw RuntimeError("cannot pause container \(id): it is \(s.rawValue)", code: .invalidState)
        }
        do { try cg.freeze() } catch { throw RuntimeError("pause container \(id)", cause: error) }
    }

    public static func resume(store: StateStore, id: String) throws {
        let (lock, r, cg) = try open(store, id)
        defer { lock.release() }
        guard store.status(of: r) == .paused else { throw RuntimeError("container \(id) is not paused") }
        do { try cg.thaw() } catch { throw RuntimeError("resume container \(id)", cause: error) }
    }

    static func open(_ store: StateStore, _ id: String) throws -> (ContainerLock, ContainerRecord, CgroupManager) {
        let lock = try store.lock(id)
        do {
            let r = try store.load(id)
            guard let cg = ContainerCgroup.load(r) else { throw RuntimeError("container \(id) has no cgroup") }
            return (lock, r, cg)
        } catch { lock.release(); throw error }
    }
}
