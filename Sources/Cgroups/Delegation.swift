#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Rootless cgroups (runc's rootless cgroupfs manager): a user gets the part of a container's
/// cgroup it is allowed to make. A hierarchy where mkdir or joining fails for lack of permission
/// (EACCES, EPERM, EROFS) is dropped: the container runs without a cgroup there, and a limit that
/// needs it fails ("cannot set memory limit: container could not join or create cgroup", as runc).
/// A cgroup v2 subtree delegated to the user (chowned to it, or systemd's user delegation) is used
/// like any other. Only for the default path: an explicit linux.cgroupsPath the user cannot create
/// is an error, as with runc.
public enum Delegation {
    /// True for the errors that mean "this user may not do that here".
    public static func isPermission(_ error: Error) -> Bool {
        guard let e = error as? CgroupError else { return false }
        return e.errno == EACCES || e.errno == EPERM || e.errno == EROFS
    }

    /// mkdir what the user may: the manager of what was made (nil when nothing was) and the
    /// controllers (v1 names, "unified" for the hybrid cgroup2 leaf, "" for a unified host) dropped.
    /// On a unified host a config with limits then fails (v1 limits fail in `apply`).
    public static func create(_ m: CgroupManager, resources: LinuxResources) throws -> (manager: CgroupManager?, dropped: Set<String>) {
        if let v2 = m as? V2Manager {
            do { try v2.create() } catch where isPermission(error) {
                if needsControllers(resources) { throw noPermission(error) }
                return (nil, [v2.key])
            }
            return (v2, [])
        }
        guard let v1 = m as? V1Manager else { try m.create(); return (m, []) }
        var kept: [V1Manager.Leaf] = []
        var dropped = v1.dropped
        for l in v1.leaves {
            let one = V1Manager(mode: v1.mode, leaves: [l], unified: nil)
            do { try one.create(); kept.append(l) } catch where isPermission(error) {
                // What a partial mkdir made (a level the user could create below one it could not).
                try? one.destroy()
                dropped.formUnion(l.controllers)
            }
        }
        var unified = v1.unified
        if let u = unified {
            do { try u.create() } catch where isPermission(error) { unified = nil; dropped.insert("unified") }
        }
        try refuseDropped(resources, dropped)
        if kept.isEmpty && unified == nil { return (nil, dropped) }
        return (V1Manager(mode: v1.mode, leaves: kept, unified: unified, dropped: dropped), dropped)
    }

    /// Moves `pid` into every hierarchy it may join; the others are dropped (and their leaf, made by
    /// `create`, removed). Fails when `resources` needs a dropped one.
    public static func join(_ m: CgroupManager, pid: Int32, resources: LinuxResources) throws -> CgroupManager? {
        if let v2 = m as? V2Manager {
            do { try v2.addProcess(pid) } catch where isPermission(error) {
                try? v2.destroy()
                if needsControllers(resources) { throw noPermission(error) }
                return nil
            }
            return v2
        }
        guard let v1 = m as? V1Manager else { try m.addProcess(pid); return m }
        var kept: [V1Manager.Leaf] = []
        var dropped = v1.dropped
        for l in v1.leaves {
            do { try v1.fs.addProcess(l.path, pid); kept.append(l) } catch where isPermission(error) {
                try? v1.fs.removeTree(l.path)
                dropped.formUnion(l.controllers)
            }
        }
        var unified = v1.unified
        if let u = unified {
            do { try u.addProcess(pid) } catch where isPermission(error) {
                try? u.destroy()
                unified = nil
                dropped.insert("unified")
            }
        }
        try refuseDropped(resources, dropped)
        if kept.isEmpty && unified == nil { return nil }
        return V1Manager(mode: v1.mode, leaves: kept, unified: unified, dropped: dropped)
    }

    /// A limit whose controller was dropped fails, as with runc (v1 and the hybrid cgroup2 leaf).
    static func refuseDropped(_ resources: LinuxResources, _ dropped: Set<String>) throws {
        if let c = v1Controllers(resources).intersection(dropped).sorted().first {
            throw CgroupError("cannot set \(c) limit: container could not join or create cgroup", errno: EPERM)
        }
    }

    /// The error of a unified host where the user may not make the container's cgroup but the
    /// config asks for limits (runc's wording).
    public static func noPermission(_ cause: Error) -> CgroupError {
        CgroupError("rootless needs no limits + no cgrouppath when no permission is granted for cgroups: \(cause)",
                    errno: (cause as? CgroupError)?.errno ?? EACCES)
    }

    /// Whether linux.resources sets anything a controller enforces. Device rules do not count:
    /// a rootless container's device access is what its user namespace allows (runc ignores them).
    public static func needsControllers(_ r: LinuxResources) -> Bool { !v1Controllers(r).isEmpty }

    /// The v1 controllers (and "unified") that `apply` would write for `r`, device rules aside.
    static func v1Controllers(_ r: LinuxResources) -> Set<String> {
        var s = Set<String>()
        if let c = r.cpu {
            if V1CPUSet.wanted(c) { s.insert("cpuset") }
            if V1CPU.wanted(c) { s.insert("cpu") }
        }
        if let m = r.memory, V1Memory.wanted(m) { s.insert("memory") }
        if r.pids != nil { s.insert("pids") }
        if let b = r.blockIO, V1Blkio.wanted(b) { s.insert("blkio") }
        if !(r.hugepageLimits ?? []).isEmpty { s.insert("hugetlb") }
        if r.network?.classID != nil { s.insert("net_cls") }
        if !(r.network?.priorities ?? []).isEmpty { s.insert("net_prio") }
        if !(r.rdma ?? [:]).isEmpty { s.insert("rdma") }
        if !(r.unified ?? [:]).isEmpty { s.insert("unified") }
        return s
    }
}
