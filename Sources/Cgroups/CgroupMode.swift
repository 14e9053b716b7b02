#if canImport(Glibc)
import Glibc
#endif
import CShim

/// How cgroups are mounted on the host.
/// - unified: one cgroup2 hierarchy at the root (`/sys/fs/cgroup` is cgroup2).
/// - hybrid: v1 controller hierarchies plus a controller-less cgroup2 at `<root>/unified`.
/// - legacy: v1 hierarchies only.
public enum CgroupMode: String, Sendable, Codable, Equatable {
    case unified, hybrid, legacy
}

/// statfs f_type of a cgroup2 filesystem.
let CGROUP2_SUPER_MAGIC: UInt64 = 0x6367_7270

/// The filesystem magic of `path`, nil when statfs fails.
func filesystemMagic(_ path: String) -> UInt64? {
    var type: UInt64 = 0
    var flags: UInt64 = 0
    return sr_statfs(-1, path, &type, &flags) == 0 ? type : nil
}

extension Cgroups {
    /// Detects the host's cgroup layout like runc: `root` on cgroup2 → unified; else `root/unified`
    /// on cgroup2 → hybrid; else legacy.
    public static func detectMode(root: String = Cgroups.defaultRoot) -> CgroupMode {
        if filesystemMagic(root) == CGROUP2_SUPER_MAGIC { return .unified }
        if filesystemMagic(root + "/unified") == CGROUP2_SUPER_MAGIC { return .hybrid }
        return .legacy
    }
}
