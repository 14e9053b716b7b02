#if canImport(Glibc)
import Glibc
#endif
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
        var devNull: FileDescriptor? = nil
        for p in c.maskedPaths {
            let raw = SafePath.openRaw(root: root, p)
            if raw < 0 {
                if errno == ENOENT { continue }
                throw RootfsError("linux.maskedPaths: mask \(p) \(inRootfs)")
            }
            let fd = FileDescriptor(adopting: raw)
            if fileType(fd.rawValue) == S_IFDIR {
                try check("linux.maskedPaths: mask \(p) \(inRootfs): mount tmpfs") {
                    k.mount("tmpfs", SafePath.procPath(fd.rawValue), "tmpfs", MS.rdonly, labeled(nil))
                }
            } else {
                if devNull == nil { devNull = try openDevNull() }
                let null = devNull.raw()
                try check("linux.maskedPaths: mask \(p) \(inRootfs): bind /dev/null") {
                    k.mount(SafePath.procPath(null), SafePath.procPath(fd.rawValue), nil, MS.bind, nil)
                }
            }
        }
    }

    /// An O_PATH fd of the container's /dev/null, verified to be the null device. Intermediate
    /// symlinks resolve inside the rootfs; the last component is not followed.
    func openDevNull() throws -> FileDescriptor {
        let raw = SafePath.openRaw(root: root, "/dev/null", flags: SafePath.O_PATH | SafePath.O_NOFOLLOW)
        if raw < 0 { throw RootfsError("linux.maskedPaths: open /dev/null \(inRootfs)") }
        let fd = FileDescriptor(adopting: raw)
        var st = FileStat()
        if k.fstat(fd.rawValue, &st) != 0 {
            throw RootfsError("linux.maskedPaths: stat /dev/null \(inRootfs)", errno: errno)
        }
        if !FileKind.isCharDevice(st, .null) {
            throw RootfsError("linux.maskedPaths: /dev/null \(inRootfs)", errno: EPERM,
                              detail: "is \(FileKind.describe(st)), not the null device (character device 1:3); "
                                  + "refusing to bind it over masked paths")
        }
        return fd
    }

    /// Bind each path onto itself (recursively) and make the whole subtree read-only.
    func readonlyPaths() throws {
        for p in c.readonlyPaths {
            let raw = SafePath.openRaw(root: root, p)
            if raw < 0 {
                if errno == ENOENT { continue }
                throw RootfsError("linux.readonlyPaths: make \(p) read-only \(inRootfs)")
            }
            let fd = FileDescriptor(adopting: raw)
            let path = SafePath.procPath(fd.rawValue)
            try check("linux.readonlyPaths: make \(p) read-only \(inRootfs): bind") { k.mount(path, path, nil, MS.bind | MS.rec, nil) }
            let top = try resolve(p)
            try check("linux.readonlyPaths: make \(p) read-only \(inRootfs)") {
                k.mountSetattr(top.rawValue, "", UInt32(AT_EMPTY_PATH_) | AT_RECURSIVE_, set: MountAttr.rdonly, clear: 0,
                               propagation: 0, userns: 0)
            }
        }
    }
}
