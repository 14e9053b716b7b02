#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Landlock (Documentation/userspace-api/landlock.rst): the access rights by their uapi names
/// (without the `LANDLOCK_ACCESS_FS_` / `LANDLOCK_ACCESS_NET_` / `LANDLOCK_SCOPE_` /
/// `LANDLOCK_RESTRICT_SELF_` prefixes, lower-cased), the ABI version that introduced each, and
/// the three syscalls.
public enum Landlock {
    /// One right (or scope, or landlock_restrict_self flag): its bit and the first ABI with it.
    public struct Right: Sendable, Equatable {
        public let name: String
        public let bit: UInt64
        public let abi: Int32
    }

    /// The newest ABI whose rights this table knows. A newer kernel keeps every older right, so
    /// a higher version reported by the kernel is used as this one.
    public static let knownABI: Int32 = 7

    /// `LANDLOCK_ACCESS_FS_*`, in bit order.
    public static let fsRights: [Right] = [
        Right(name: "execute", bit: 1 << 0, abi: 1),
        Right(name: "write_file", bit: 1 << 1, abi: 1),
        Right(name: "read_file", bit: 1 << 2, abi: 1),
        Right(name: "read_dir", bit: 1 << 3, abi: 1),
        Right(name: "remove_dir", bit: 1 << 4, abi: 1),
        Right(name: "remove_file", bit: 1 << 5, abi: 1),
        Right(name: "make_char", bit: 1 << 6, abi: 1),
        Right(name: "make_dir", bit: 1 << 7, abi: 1),
        Right(name: "make_reg", bit: 1 << 8, abi: 1),
        Right(name: "make_sock", bit: 1 << 9, abi: 1),
        Right(name: "make_fifo", bit: 1 << 10, abi: 1),
        Right(name: "make_block", bit: 1 << 11, abi: 1),
        Right(name: "make_sym", bit: 1 << 12, abi: 1),
        Right(name: "refer", bit: 1 << 13, abi: 2),
        Right(name: "truncate", bit: 1 << 14, abi: 3),
        Right(name: "ioctl_dev", bit: 1 << 15, abi: 5),
    ]

    /// The filesystem rights a rule on a non-directory may carry (the others apply to the
    /// content of a directory; landlock_add_rule(2) refuses them on a file with EINVAL).
    public static let fileRights: UInt64 = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 14 | 1 << 15

    /// `LANDLOCK_ACCESS_NET_*` (TCP ports).
    public static let netRights: [Right] = [
        Right(name: "bind_tcp", bit: 1 << 0, abi: 4),
        Right(name: "connect_tcp", bit: 1 << 1, abi: 4),
    ]

    /// `LANDLOCK_SCOPE_*`: IPC the domain may not direct at processes outside it.
    public static let scopes: [Right] = [
        Right(name: "abstract_unix_socket", bit: 1 << 0, abi: 6),
        Right(name: "signal", bit: 1 << 1, abi: 6),
    ]

    /// `LANDLOCK_RESTRICT_SELF_*` flags of landlock_restrict_self(2) (audit logging).
    public static let restrictSelfFlags: [Right] = [
        Right(name: "log_same_exec_off", bit: 1 << 0, abi: 7),
        Right(name: "log_new_exec_on", bit: 1 << 1, abi: 7),
        Right(name: "log_subdomains_off", bit: 1 << 2, abi: 7),
    ]

    /// The running kernel's ABI version: > 0, or 0 when Landlock is not available, with the
    /// reason (ENOSYS: not built in; EOPNOTSUPP: built in but disabled at boot).
    public static func abiVersion() -> (abi: Int32, errno: Int32) {
        let v = sr_landlock_create_ruleset(nil, 0, UInt32(SR_LANDLOCK_CREATE_RULESET_VERSION))
        return v > 0 ? (v, 0) : (0, v < 0 ? errno : ENOSYS)
    }

    /// landlock_create_ruleset(2) with the attribute truncated to what `abi` knows (an older
    /// kernel refuses a larger one with E2BIG only when the extra fields are non-zero, but a
    /// size it knows keeps the call valid everywhere). Returns a close-on-exec ruleset fd.
    public static func createRuleset(fs: UInt64, net: UInt64, scoped: UInt64, abi: Int32) throws -> Int32 {
        var attr = sr_landlock_ruleset_attr(handled_access_fs: fs, handled_access_net: net, scoped: scoped)
        let size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8
        return try sys("landlock_create_ruleset") { sr_landlock_create_ruleset(&attr, size, 0) }
    }

    /// landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH): `allowed` beneath the object `parentFD`
    /// (preferably an O_PATH fd) names.
    public static func addPathBeneath(ruleset: Int32, parentFD: Int32, allowed: UInt64, path: String) throws {
        var attr = sr_landlock_path_beneath_attr(allowed_access: allowed, parent_fd: parentFD)
        try sys("landlock_add_rule", path) {
            sr_landlock_add_rule(ruleset, Int32(SR_LANDLOCK_RULE_PATH_BENEATH), &attr, 0)
        }
    }

    /// landlock_add_rule(LANDLOCK_RULE_NET_PORT): `allowed` for TCP `port`.
    public static func addNetPort(ruleset: Int32, port: UInt64, allowed: UInt64) throws {
        var attr = sr_landlock_net_port_attr(allowed_access: allowed, port: port)
        try sys("landlock_add_rule", "port \(port)") {
            sr_landlock_add_rule(ruleset, Int32(SR_LANDLOCK_RULE_NET_PORT), &attr, 0)
        }
    }

    /// landlock_restrict_self(2): the calling thread enters a new domain made of `ruleset`
    /// (inherited by its children and kept across execve). Needs no_new_privs or CAP_SYS_ADMIN.
    public static func restrictSelf(ruleset: Int32, flags: UInt32) throws {
        try sys("landlock_restrict_self") { sr_landlock_restrict_self(ruleset, flags) }
    }
}
