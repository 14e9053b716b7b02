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
        case let s: throw RuntimeError("cannot pause container \(id): it is \(s.rawValue)")
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

/// `update`: new linux.resources for a live container; the saved config follows.
public enum Update {
    public static func run(store: StateStore, id: String, resources new: LinuxResources) throws {
        let (lock, r, cg) = try Pause.open(store, id)
        defer { lock.release() }
        let st = store.status(of: r)
        guard st != .stopped else { throw RuntimeError("cannot update container \(id): it is stopped") }
        do { for w in try cg.update(new) { Log.warn(w) } } catch {
            throw RuntimeError("update container \(id)", cause: error)
        }
        var spec = try store.config(of: r)
        var linux = spec.linux ?? Linux()
        linux.resources = merge(linux.resources ?? LinuxResources(), new)
        spec.linux = linux
        try store.saveConfig(id, SpecLoader.encodePretty(spec))
    }

    /// Fields given in `new` replace the old ones; the rest stays.
    static func merge(_ old: LinuxResources, _ new: LinuxResources) -> LinuxResources {
        var m = old
        if new.memory != nil { m.memory = new.memory }
        if new.cpu != nil { m.cpu = new.cpu }
        if new.pids != nil { m.pids = new.pids }
        if new.blockIO != nil { m.blockIO = new.blockIO }
        if new.hugepageLimits != nil { m.hugepageLimits = new.hugepageLimits }
        if new.network != nil { m.network = new.network }
        if new.rdma != nil { m.rdma = new.rdma }
        if new.unified != nil { m.unified = new.unified }
        if new.devices != nil { m.devices = new.devices }
        return m
    }
}

/// `ps` and `events`: what is in the container's cgroup.
public enum CgroupInfo {
    public static func pids(store: StateStore, id: String) throws -> [Int32] {
        let r = try store.load(id)
        guard store.status(of: r) != .stopped else { return [] }
        guard let cg = ContainerCgroup.load(r) else { return [r.pid] }
        return try cg.pids()
    }

    public struct Event: Encodable {
        public var type: String
        public var id: String
        public var data: CgroupStats?
    }

    public static func stats(store: StateStore, id: String) throws -> Event {
        let r = try store.load(id)
        guard store.status(of: r) != .stopped else { throw RuntimeError("container \(id) is not running") }
        guard let cg = ContainerCgroup.load(r) else { throw RuntimeError("container \(id) has no cgroup") }
        return Event(type: "stats", id: id, data: try cg.stats())
    }

    /// Streams stats every `interval` seconds and an `oom` event whenever the OOM-kill count grows,
    /// until the container stops. `emit` writes one JSON line.
    public static func stream(store: StateStore, id: String, interval: Double, stats: Bool,
                              emit: (Event) -> Void) throws {
        let r = try store.load(id)
        guard let cg = ContainerCgroup.load(r) else { throw RuntimeError("container \(id) has no cgroup") }
        var ooms = cg.oomKillCount()
        let tick = max(0.1, interval)
        var elapsed = 0.0
        while store.status(of: r) != .stopped {
            let now = cg.oomKillCount()
            if now > ooms { emit(Event(type: "oom", id: id, data: nil)); ooms = now }
            if stats && elapsed >= interval {
                if let s = try? cg.stats() { emit(Event(type: "stats", id: id, data: s)) }
                elapsed = 0
            }
            let step = min(tick, 0.1)
            Sleep.seconds(step)
            elapsed += step
        }
    }
}

enum Sleep {
    static func seconds(_ s: Double) {
        var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
        var rem = timespec()
        while nanosleep(&ts, &rem) != 0 && errno == EINTR { ts = rem }
    }
}
