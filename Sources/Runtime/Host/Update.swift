#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

/// `update`: new linux.resources for a live container; the saved config follows.
public enum Update {
    /// `intelRdt`: new L3 cache / memory bandwidth schemata (runc's --l3-cache-schema and
    /// --mem-bw-schema) for the container's resctrl group.
    public static func run(store: StateStore, id: String, resources new: LinuxResources,
                           intelRdt newRdt: LinuxIntelRdt? = nil) throws {
        let (lock, r, cg) = try Pause.open(store, id)
        defer { lock.release() }
        let st = store.status(of: r)
        guard st != .stopped else { throw RuntimeError("cannot update container \(id): it is stopped", code: .invalidState) }
        var spec = try store.config(of: r)
        var linux = spec.linux ?? Linux()
        if new != LinuxResources() {
            do { for w in try cg.update(new) { store.log.warn(w) } } catch {
                throw RuntimeError("update container \(id)", cause: error)
            }
        }
        if let newRdt {
            var rdt = linux.intelRdt ?? LinuxIntelRdt()
            if let l3 = newRdt.l3CacheSchema { rdt.l3CacheSchema = l3 }
            if let mb = newRdt.memBwSchema { rdt.memBwSchema = mb }
            try IntelRdt.apply(rdt, id: id, pid: r.pid)
            linux.intelRdt = rdt
        }
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
