import LinuxSys

/// How cgroups are mounted on the host.
/// - unified: one cgroup2 hierarchy at the root (`/sys/fs/cgroup` is cgroup2).
/// - hybrid: v1 controller hierarchies plus a controller-less cgroup2 at `<root>/unified`.
/// - legacy: v1 hierarchies only.
public enum CgroupMode: String, Sendable, Codable, Equatable {
    case unified, hybrid, legacy
}

extension Cgroups {
    /// Detects the host's cgroup layout like runc: `root` on cgroup2 → unified; else `root/unified`
    /// on cgroup2 → hybrid; else legacy.
    public static func detectMode(root: String = Cgroups.defaultRoot) -> CgroupMode {
        if FileSystem.magic(root) == FileSystem.cgroup2Magic { return .unified }
        if FileSystem.magic(root + "/unified") == FileSystem.cgroup2Magic { return .hybrid }
        return .legacy
    }
}
