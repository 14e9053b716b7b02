#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

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

    /// Streams stats every `interval` seconds and an `oom` event whenever the OOM-kill count grows
    /// (checked every 100 ms), until the container stops. `emit` writes one JSON line.
    public static func stream(store: StateStore, id: String, interval: Double, emit: (Event) -> Void) throws {
        let r = try store.load(id)
        guard let cg = ContainerCgroup.load(r) else { throw RuntimeError("container \(id) has no cgroup") }
        var ooms = cg.oomKillCount()
        let step = 0.1
        var elapsed = 0.0
        while store.status(of: r) != .stopped {
            let now = cg.oomKillCount()
            if now > ooms { emit(Event(type: "oom", id: id, data: nil)); ooms = now }
            if elapsed >= interval {
                if let s = try? cg.stats() { emit(Event(type: "stats", id: id, data: s)) }
                elapsed = 0
            }
            Sleep.seconds(step)
            elapsed += step
        }
    }
}

enum Sleep {
    static func seconds(_ s: Double) {
        Clock.sleep(nanoseconds: Int(s) * 1_000_000_000 + Int((s - Double(Int(s))) * 1e9))
    }
}
