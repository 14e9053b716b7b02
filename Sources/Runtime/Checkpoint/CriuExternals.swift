import Cgroups
import LinuxSys
import OCISpec

/// What lies outside the container and must be named to CRIU, computed from the config the
/// container was created from (pure, so unit-tested): mounts whose source is the host's (bind
/// mounts, device nodes, the /dev/null bound over masked files) and namespaces joined by path.
///
/// CRIU cannot dump a mount whose source it cannot find inside the dumped mount namespace. It
/// records such a mount under a name (`ext_mnt` key = mount point, value = the name) and at
/// restore binds whatever the caller maps that name to (key = name, value = host path).
enum CriuExternals {
    /// A bind mount in the config (type "bind", or a bind/rbind option).
    static func isBind(_ m: OCISpec.Mount) -> Bool {
        m.type == "bind" || (m.options ?? []).contains { $0 == "bind" || $0 == "rbind" }
    }

    /// A destination as CRIU sees it: absolute, without "." or ".." or repeated slashes
    /// (resolved lexically, never above "/").
    static func clean(_ path: String) -> String {
        var out: [Substring] = []
        for c in path.split(separator: "/") {
            if c == "." || c.isEmpty { continue }
            if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(c)
        }
        return "/" + out.inlineJoined(separator: "/")
    }

    /// The default device nodes (Rootfs' DeviceNode.defaults) and linux.devices: binds of the host
    /// node in a user namespace (or under a /dev bound from the host), nodes otherwise; CRIU
    /// ignores a name that matches no mount.
    static let defaultDevices = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]

    static func devicePaths(_ spec: Spec) -> [String] {
        var paths = defaultDevices
        for d in spec.linux?.devices ?? [] where !paths.contains(clean(d.path)) { paths.append(clean(d.path)) }
        return paths
    }

    /// Dump: every mount point CRIU is to record as external, with its name. `isMaskedFile`
    /// says whether a masked path is a file in the container (masked directories are tmpfs
    /// mounts, which CRIU dumps itself).
    static func dumpMounts(_ spec: Spec, cgroupBinds: [CgroupBind] = [], isMaskedFile: (String) -> Bool) -> [CriuOpts.KeyValue] {
        var out: [CriuOpts.KeyValue] = []
        func add(_ key: String, _ value: String) {
            if !out.contains(where: { $0.key == key }) { out.append(.init(key: key, value: value)) }
        }
        for m in spec.mounts ?? [] where isBind(m) { add(clean(m.destination), clean(m.destination)) }
        for p in spec.linux?.maskedPaths ?? [] where isMaskedFile(p) { add(clean(p), "/dev/null") }
        for b in cgroupBinds { add(b.destination, b.destination) }
        for p in devicePaths(spec) { add(p, p) }
        // The NOTIFY_SOCKET relay's bind of the state directory's notify/ (not in config.json).
        add(notifyMount, notifyMount)
        return out
    }

    static let notifyMount = "/run/notify"

    /// One bind of a cgroup v1 hierarchy directory below a `cgroup` mount.
    struct CgroupBind: Equatable {
        var destination: String
        var source: String
    }

    /// On cgroup v1 and hybrid hosts a `cgroup` (or `cgroup2`) mount is a tmpfs holding, per
    /// hierarchy, a bind of the container's own cgroup directory (Rootfs' mountCgroupV1: `memory/`,
    /// `cpu,cpuacct/`, `unified/`, ...): each bind's source is the host's, outside what CRIU can
    /// dump, so each is external, as runc declares its binds of cgroup v1 mounts without a cgroup
    /// namespace. swiftrun binds them with a cgroup namespace too, so they are declared then as
    /// well. Dump names them by mount point; restore maps each to the new container's directory
    /// of that hierarchy (so a restore under another ID binds that ID's cgroup). `paths` are the
    /// container's cgroup directories by controller; unified hosts mount a real cgroup2 or bind
    /// the whole /sys/fs/cgroup, which needs nothing.
    static func cgroupBinds(_ spec: Spec, mode: CgroupMode?, paths: [String: String]?) -> [CgroupBind] {
        guard let mode, mode != .unified, let paths, !paths.isEmpty else { return [] }
        let host = "/sys/fs/cgroup/"
        var hierarchies: [(name: String, path: String)] = []
        for (_, path) in paths.sorted(by: { $0.key < $1.key }) where path.hasBytePrefix(host) {
            guard let name = path.dropFirst(host.count).split(separator: "/").first.map(String.init),
                  !hierarchies.contains(where: { $0.name == name }) else { continue }
            hierarchies.append((name, path))
        }
        var out: [CgroupBind] = []
        for m in spec.mounts ?? [] where (m.type == "cgroup" || m.type == "cgroup2") && !isBind(m) {
            let dest = clean(m.destination)
            for h in hierarchies { out.append(.init(destination: dest + "/" + h.name, source: h.path)) }
        }
        return out
    }

    /// Restore: each name recorded at dump time mapped to the host path to bind there.
    static func restoreMounts(_ spec: Spec, bundle: String, notifyDir: String? = nil,
                              cgroupBinds: [CgroupBind] = []) -> [CriuOpts.KeyValue] {
        var out: [CriuOpts.KeyValue] = []
        func add(_ key: String, _ value: String) {
            if !out.contains(where: { $0.key == key }) { out.append(.init(key: key, value: value)) }
        }
        for m in spec.mounts ?? [] where isBind(m) {
            let src = m.source ?? ""
            add(clean(m.destination), src.hasBytePrefix("/") ? src : bundle + "/" + src)
        }
        if !(spec.linux?.maskedPaths ?? []).isEmpty { add("/dev/null", "/dev/null") }
        for b in cgroupBinds { add(b.destination, b.source) }
        for p in devicePaths(spec) { add(p, p) }
        if let d = notifyDir { add(notifyMount, d) }
        return out
    }

    /// CRIU's name for a namespace type in join_ns ("network" is "net", "mount" is "mnt").
    static func criuName(_ specType: String) -> String {
        switch specType {
        case "network": return "net"
        case "mount": return "mnt"
        default: return specType
        }
    }

    /// The key both sides use for an external net or pid namespace (runc's: extRootNetNS, extRootPidNS).
    static func externalKey(_ specType: String) -> String {
        specType == "network" ? "extRootNetNS" : "extRoot" + specType.prefix(1).uppercased() + specType.dropFirst() + "NS"
    }

    /// Namespaces joined by path, as CRIU needs them: net and pid are external (their inode at
    /// dump, an inherited fd at restore); the others are joined at restore (join_ns). A joined
    /// cgroup namespace cannot be restored by CRIU.
    static func joinedNamespaces(_ spec: Spec) -> [(type: String, path: String)] {
        (spec.linux?.namespaces ?? []).compactMap { ns in
            guard let p = ns.path, !p.isEmpty else { return nil }
            return (ns.type, p)
        }
    }
}
