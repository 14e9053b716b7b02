#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys

/// linux.maskedPaths and linux.readonlyPaths. Paths are resolved inside the rootfs with SafePath;
/// missing paths are ignored, as the spec's examples (/proc/acpi, ...) vary between kernels.
extension Stage {
    /// Files get the container's /dev/null bound over them; directories a read-only tmpfs.
    ///
    /// The /dev/null is opened once, without following a symlink in its place, and must be the
    /// null device (character device 1:3); the bind is made from that fd, so what was checked
    /// is what gets mounted. Anything else there — a symlink to a procfs file such as
    /// /proc/sys/kernel/core_pattern, a hard link to a host file, a regular file, another device
    /// — would make every masked file a writable window onto it (CVE-2025-31133 class): refused.
    func maskPaths() throws {
        var devNull: Int32 = -1
        defer { if devNull >= 0 { close(devNull) } }
        for p in c.maskedPaths {
            let fd = SafePath.openRaw(root: root, p)
            if fd < 0 {
                if errno == ENOENT { continue }
                throw RootfsError("linux.maskedPaths: mask \(p) \(inRootfs)")
            }
            defer { close(fd) }
            if fileType(fd) == S_IFDIR {
                try check("linux.maskedPaths: mask \(p) \(inRootfs): mount tmpfs") {
                    Glibc.mount("tmpfs", SafePath.procPath(fd), "tmpfs", MS.rdonly, labeled(nil))
                }
            } else {
                if devNull < 0 { devNull = try openDevNull() }
                try check("linux.maskedPaths: mask \(p) \(inRootfs): bind /dev/null") {
                    Glibc.mount(SafePath.procPath(devNull), SafePath.procPath(fd), nil, MS.bind, nil)
                }
            }
        }
    }

    /// An O_PATH fd of the container's /dev/null, verified to be the null device. Intermediate
    /// symlinks resolve inside the rootfs; the last component is not followed.
    func openDevNull() throws -> Int32 {
        let fd = SafePath.openRaw(root: root, "/dev/null", flags: SafePath.O_PATH | SafePath.O_NOFOLLOW)
        if fd < 0 { throw RootfsError("linux.maskedPaths: open /dev/null \(inRootfs)") }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            close(fd)
            throw RootfsError("linux.maskedPaths: stat /dev/null \(inRootfs)", errno: e)
        }
        if !FileKind.isCharDevice(st, .null) {
            close(fd)
            throw RootfsError("linux.maskedPaths: /dev/null \(inRootfs)", errno: EPERM,
                              detail: "is \(FileKind.describe(st)), not the null device (character device 1:3); "
                                  + "refusing to bind it over masked paths")
        }
        return fd
    }

    /// Bind each path onto itself (recursively) and make the whole subtree read-only.
    func readonlyPaths() throws {
        for p in c.readonlyPaths {
            let fd = SafePath.openRaw(root: root, p)
            if fd < 0 {
                if errno == ENOENT { continue }
                throw RootfsError("linux.readonlyPaths: make \(p) read-only \(inRootfs)")
            }
            defer { close(fd) }
            let path = SafePath.procPath(fd)
            try check("linux.readonlyPaths: make \(p) read-only \(inRootfs): bind") { Glibc.mount(path, path, nil, MS.bind | MS.rec, nil) }
            let top = try resolve(p)
            defer { close(top) }
            try check("linux.readonlyPaths: make \(p) read-only \(inRootfs)") {
                sr_mount_setattr(top, "", UInt32(AT_EMPTY_PATH_) | AT_RECURSIVE_, MountAttr.rdonly, 0, 0, 0)
            }
        }
    }
}
