#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The running binary, /proc/self/exe: how it can be reached, and re-executing it from a protected
/// copy (see Runtime's ProtectedExe for the policy).
public enum SelfExe {
    /// A StaticString, like the marker `reexec` sets: stage 1 passes both to the kernel as they
    /// are, without making a C string of a String each time.
    static let path: StaticString = "/proc/self/exe"

    /// True when this process could open its own binary for writing (and so could a container
    /// process that shares our credentials and gets hold of it).
    public static func isWritable() -> Bool {
        faccessat(AT_FDCWD, path.cString, W_OK, AT_EACCESS) == 0
    }

    /// True when the binary we run from cannot be written through any path to it: it sits on a
    /// read-only mount, or it is a memfd sealed against writes.
    public static func isProtected() -> Bool {
        let fd = sr_open(path.cString, O_RDONLY | O_CLOEXEC, 0)
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
        // No error text is built unless a call fails: stage 1 of create/run/exec runs this first
        // thing (ProtectedExe.reexecEarly) and should touch as little as it can.
        let fd = sr_open_tree(AT_FDCWD, path.cString, UInt32(OPEN_TREE_CLONE | O_CLOEXEC))
        if fd < 0 { throw SysError("open_tree", "\(path)") }
        let attrs = UInt64(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
        if sr_mount_setattr(fd, "", UInt32(SR_AT_EMPTY_PATH), attrs, 0, 0, 0) != 0 {
            let err = SysError("mount_setattr", "read-only clone of \(path)")
            close(fd)
            throw err
        }
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

    /// execveat(fd, "", AT_EMPTY_PATH) with this process's own argv (as the kernel gave it) and
    /// environment, plus `marker`=1; nothing is copied. Only returns, by throwing, when the exec
    /// failed, and then the environment is as it was (the marker is removed again).
    public static func reexec(from fd: Int32, marker: StaticString) -> SysError {
        guard setenv(marker.cString, "1", 1) == 0 else { return SysError("setenv", "\(marker)") }
        _ = sr_fexecve(fd, Proc.argv, environ)
        let err = SysError("execveat", "protected copy of \(path)")
        unsetenv(marker.cString)
        return err
    }
}

extension StaticString {
    /// The string's bytes as a C string (a StaticString of text is NUL-terminated in the binary).
    public var cString: UnsafePointer<CChar> { UnsafeRawPointer(utf8Start).assumingMemoryBound(to: CChar.self) }
}
