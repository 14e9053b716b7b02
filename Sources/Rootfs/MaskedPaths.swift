#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys

/// linux.maskedPaths and linux.readonlyPaths. Paths are resolved inside the rootfs with SafePath;
/// missing paths are ignored, as the spec's examples (/proc/acpi, ...) vary between kernels.
extension Stage {
    /// Files get /dev/null (of the container) bound over them; directories a read-only tmpfs.
    func maskPaths() throws {
        var devNull: Int32 = -1
        defer { if devNull >= 0 { close(devNull) } }
        for p in c.maskedPaths {
            let fd = SafePath.openRaw(root: root, p)
            if fd < 0 {
                if errno == ENOENT { continue }
                throw RootfsError("mask \(p) \(inRootfs)")
            }
            defer { close(fd) }
            if fileType(fd) == S_IFDIR {
                try check("mask \(p) \(inRootfs): mount tmpfs") {
                    Glibc.mount("tmpfs", SafePath.procPath(fd), "tmpfs", MS.rdonly, labeled(nil))
                }
            } else {
                if devNull < 0 { devNull = try resolve("/dev/null") }
                try check("mask \(p) \(inRootfs): bind /dev/null") {
                    Glibc.mount(SafePath.procPath(devNull), SafePath.procPath(fd), nil, MS.bind, nil)
                }
            }
        }
    }

    /// Bind each path onto itself (recursively) and make the whole subtree read-only.
    func readonlyPaths() throws {
        for p in c.readonlyPaths {
            let fd = SafePath.openRaw(root: root, p)
            if fd < 0 {
                if errno == ENOENT { continue }
                throw RootfsError("make \(p) read-only \(inRootfs)")
            }
            defer { close(fd) }
            let path = SafePath.procPath(fd)
            try check("make \(p) read-only \(inRootfs): bind") { Glibc.mount(path, path, nil, MS.bind | MS.rec, nil) }
            let top = try resolve(p)
            defer { close(top) }
            try check("make \(p) read-only \(inRootfs)") {
                sr_mount_setattr(top, "", UInt32(AT_EMPTY_PATH_) | AT_RECURSIVE_, MountAttr.rdonly, 0, 0, 0)
            }
        }
    }
}
