#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

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
