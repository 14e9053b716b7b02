#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The running binary, /proc/self/exe: how it can be reached, and re-executing it from a protected
/// copy (see Runtime's ProtectedExe for the policy).
public enum SelfExe {
    static let path = "/proc/self/exe"

    /// True when this process could open its own binary for writing (and so could a container
    /// process that shares our credentials and gets hold of it).
    public static func isWritable() -> Bool {
        faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0
    }

    /// True when the binary we run from cannot be written through any path to it: it sits on a
    /// read-only mount, or it is a memfd sealed against writes.
    public static func isProtected() -> Bool {
        let fd = sr_open(path, O_RDONLY | O_CLOEXEC, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var vfs = statvfs()
        if fstatvfs(fd, &vfs) == 0 && vfs.f_flag & UInt(ST_RDONLY) != 0 { return true }
        let seals = sr_fcntl_int(fd, SR_F_GET_SEALS, 0)
        return seals >= 0 && seals & SR_F_SEAL_WRITE != 0
    }

    /// A detached, read-only, nosuid, nodev bind mount of our binary (open_tree OPEN_TREE_CLONE):
    /// the fd is its only handle. Once the fd is closed (execveat closes it, it is close-on-exec)
    /// the mount is dissolved: nothing can remount it writable, and every path to the binary
    /// through it (/proc/<pid>/exe, map_files) is on a read-only mount.
    public static func readOnlyClone() throws -> Int32 {
        let fd = try sys("open_tree", path) { sr_open_tree(AT_FDCWD, path, UInt32(OPEN_TREE_CLONE | O_CLOEXEC)) }
        let attrs = UInt64(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
        do {
            try sys("mount_setattr", "read-only clone of \(path)") {
                sr_mount_setattr(fd, "", UInt32(SR_AT_EMPTY_PATH), attrs, 0, 0, 0)
            }
        } catch { close(fd); throw error }
        return fd
    }

    /// A memfd copy of our binary sealed against any change (for kernels or callers that cannot
    /// make the mount above).
    public static func sealedCopy() throws -> Int32 {
        let what = "sealed copy of \(path)"
        let src = try sys("memfd", what) { Glibc.open("/proc/self/exe", O_RDONLY | O_CLOEXEC) }
        defer { Glibc.close(src) }
        var st = stat()
        try sys("memfd", what) { fstat(src, &st) }
        let fd = try sys("memfd", what) { memfd_create("swiftrun", SR_MFD_CLOEXEC | SR_MFD_ALLOW_SEALING) }
        do {
            var left = Int(st.st_size)
            while left > 0 {
                let n = try sys("memfd", what) { sendfile(fd, src, nil, left) }
                if n == 0 { throw SysError("memfd", what, errno: EIO) }
                left -= n
            }
            let seals = SR_F_SEAL_SEAL | SR_F_SEAL_SHRINK | SR_F_SEAL_GROW | SR_F_SEAL_WRITE
            try sys("memfd", what) { sr_fcntl_int(fd, SR_F_ADD_SEALS, seals) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// execveat(fd, "", AT_EMPTY_PATH) with this process's arguments and environment plus `extraEnv`.
    /// Only returns by throwing.
    public static func reexec(from fd: Int32, extraEnv: String) -> SysError {
        var argv = CommandLine.arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = []
        var i = 0
        while let e = environ[i] { envp.append(strdup(e)); i += 1 }
        envp += [strdup(extraEnv), nil]
        _ = sr_fexecve(fd, &argv, &envp)
        let err = SysError("execveat", "protected copy of \(path)")
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        return err
    }
}
