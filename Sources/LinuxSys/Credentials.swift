#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The caller's ids, permission probes and resource limits: what rootless mode asks of the kernel.
public enum Credentials {
    public static var euid: uid_t { geteuid() }
    public static var egid: gid_t { getegid() }

    /// access(2) with the real ids: whether the caller may `mode` (R_OK, W_OK, X_OK) `path`.
    public static func mayAccess(_ path: String, _ mode: Int32) -> Bool { access(path, mode) == 0 }

    /// The errno of a failed access(2), 0 when it succeeds.
    public static func accessError(_ path: String, _ mode: Int32) -> Int32 { access(path, mode) == 0 ? 0 : errno }

    /// The hard limit of rlimit `resource` (RLIMIT_* number); UInt64.max when unlimited or unknown.
    public static func hardLimit(_ resource: Int32) -> UInt64 {
        var lim = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(resource)), &lim) == 0 else { return UInt64.max }
        return UInt64(lim.rlim_max)
    }
}

extension FileIO {
    public static func chmod(_ path: String, _ mode: mode_t) throws {
        if Glibc.chmod(path, mode) != 0 { throw SysError("chmod", path) }
    }
}

extension Credentials {
    /// setresgid/setresuid(0): root of a user namespace just joined (where 0 is mapped).
    public static func becomeRoot() {
        _ = sr_setresgid(0, 0, 0)
        _ = sr_setresuid(0, 0, 0)
    }
}

extension Proc {
    /// clone3's CLONE_PARENT: the child is the caller's sibling (its parent is the caller's parent).
    public static let cloneParent: UInt64 = 0x0000_8000

    /// pipe2(O_CLOEXEC), with its ends named.
    public static func pipe() throws -> (read: Int32, write: Int32) {
        let (r, w) = try FileIO.pipe("pipe")
        return (r, w)
    }
}
