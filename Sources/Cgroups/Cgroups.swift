import LinuxSys
import OCISpec

/// Entry points: mode detection, cgroupsPath resolution, manager construction.
public enum Cgroups {
    public static let defaultRoot = "/sys/fs/cgroup"

    /// The manager for a container's `linux.cgroupsPath` (see `CgroupPath` for the rules).
    public static func manager(cgroupsPath: String?, id: String, root: String = defaultRoot,
                               mode: CgroupMode? = nil) throws -> CgroupManager {
        try manager(cgroupsPath: cgroupsPath, id: id, root: root, mode: mode, ownCgroups: nil)
    }

    /// As above; `ownCgroups` (the /proc/self/cgroup entries, "" for cgroup2) overrides the runtime's
    /// own cgroups that relative paths are resolved against.
    public static func manager(cgroupsPath: String?, id: String, root: String, mode: CgroupMode?,
                               ownCgroups: [String: String]?) throws -> CgroupManager {
        let m = mode ?? detectMode(root: root)
        let path = try parsePath(cgroupsPath, id: id)
        let own = path.isRelative ? (ownCgroups ?? Self.ownCgroups()) : [:]
        switch m {
        case .unified:
            var base: [String] = []
            if path.isRelative {
                // runc uses the parent of its own cgroup: its own one holds processes (no-internal-processes).
                base = splitCgroupPath(own[""] ?? "/")
                if !base.isEmpty { base.removeLast() }
            }
            return V2Manager(mount: root, rel: base + path.components, key: "", mode: .unified)
        case .hybrid, .legacy:
            let h = hierarchies(root: root)
            var leaves: [V1Manager.Leaf] = []
            for hi in h.v1 {
                var base: [String] = []
                if path.isRelative {
                    let ownPath = hi.controllers.lazy.compactMap { own[$0] }.first ?? "/"
                    base = splitCgroupPath(strip(ownPath, mountRoot: hi.mountRoot))
                }
                let rel = base + path.components
                leaves.append(V1Manager.Leaf(controllers: hi.controllers, mount: hi.mountPoint, rel: rel,
                                             path: hi.mountPoint + "/" + joinPath(rel)))
            }
            if leaves.isEmpty && m == .legacy {
                throw CgroupError("no cgroup v1 hierarchy is mounted under \(root)")
            }
            var unified: V2Manager?
            if m == .hybrid {
                let mount = h.unified ?? root + "/unified"
                let base = path.isRelative ? splitCgroupPath(own[""] ?? "/") : []
                unified = V2Manager(mount: mount, rel: base + path.components, key: "unified", mode: .hybrid)
            }
            return V1Manager(mode: m, leaves: leaves, unified: unified)
        }
    }

    /// Rebuilds a manager from `paths` as returned by `CgroupManager.paths`.
    public static func manager(paths: [String: String], root: String = defaultRoot, mode: CgroupMode) -> CgroupManager {
        switch mode {
        case .unified:
            return V2Manager(path: paths[""] ?? paths["unified"] ?? root, mount: root, key: "", mode: .unified)
        case .hybrid, .legacy:
            var byPath: [String: [String]] = [:]
            for (k, p) in paths where k != "" && k != "unified" { byPath[p, default: []].append(k) }
            let leaves = byPath.keys.sorted().map { p -> V1Manager.Leaf in
                V1Manager.Leaf(controllers: byPath[p]!.sorted(), mount: "", rel: [], path: p)
            }
            var unified: V2Manager?
            if let u = paths["unified"] ?? (mode == .hybrid ? paths[""] : nil) {
                unified = V2Manager(path: u, mount: root + "/unified", key: "unified", mode: .hybrid)
            }
            return V1Manager(mode: mode, leaves: leaves, unified: unified)
        }
    }

    /// A /proc/self/cgroup path relative to a v1 mount whose root is `mountRoot` (usually "/").
    static func strip(_ path: String, mountRoot: String) -> String {
        if mountRoot == "/" || mountRoot.isEmpty { return path }
        if path == mountRoot { return "/" }
        if path.hasBytePrefix(mountRoot + "/") { return String(path.dropFirst(mountRoot.count)) }
        return path
    }
}
