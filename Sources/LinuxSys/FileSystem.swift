#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Directory and filesystem operations on host paths the runtime owns or trusts (cgroupfs, the
/// state directory). Paths under a container's rootfs go through `SafePath` instead.
public enum FileSystem {
    /// statfs f_type of a cgroup2 filesystem (CGROUP2_SUPER_MAGIC).
    public static let cgroup2Magic = SR_CGROUP2_SUPER_MAGIC

    /// statfs(2) of `path`: the filesystem magic (f_type); nil when statfs fails.
    public static func magic(_ path: String) -> UInt64? {
        var type: UInt64 = 0
        var flags: UInt64 = 0
        return sr_statfs(-1, path, &type, &flags) == 0 ? type : nil
    }

    /// mkdir(2). false when `path` already exists (EEXIST); any other failure throws (errno kept).
    @discardableResult
    public static func mkdir(_ path: String, mode: mode_t) throws -> Bool {
        if Glibc.mkdir(path, mode) == 0 { return true }
        if errno == EEXIST { return false }
        throw SysError("mkdir", path)
    }

    /// rmdir(2); the SysError keeps the errno (EBUSY, ENOENT, ...).
    public static func rmdir(_ path: String) throws {
        try sys("rmdir", path) { Glibc.rmdir(path) }
    }

    /// A directory itself, not a symlink to one (lstat(2)).
    public static func isDirectoryNoFollow(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// An O_RDONLY|O_DIRECTORY|O_CLOEXEC fd of the directory `path` (the caller closes it).
    public static func openDirectory(_ path: String) throws -> Int32 {
        try FileIO.open(path, O_RDONLY | O_DIRECTORY)
    }

}
