#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Switching the process root to the rootfs.
enum PivotRoot {
    /// pivot_root(".", ".") with cwd at the new root: the old root ends up stacked on top of the
    /// new one; from an fd of it we make it rslave (so the unmount cannot reach the host) and
    /// lazily detach it, which uncovers the new root.
    static func pivot(_ c: RootfsConfig) throws {
        let k = c.kernel
        let flags = O_DIRECTORY | O_RDONLY | O_CLOEXEC
        let old = try checkFD("open /") { k.open("/", flags, 0) }
        let new = try checkFD("open rootfs \(c.rootfs)") { k.open(c.rootfs, flags, 0) }
        try check("chdir \(c.rootfs)") { k.fchdir(new.rawValue) }
        try check("pivot_root \(c.rootfs)") { k.pivotRoot(".", ".") }
        try check("chdir old root") { k.fchdir(old.rawValue) }
        try check("make old root rslave") { k.mount(nil, ".", nil, MS.slave | MS.rec, nil) }
        try check("unmount old root") { k.umount2(".", Int32(MNT_DETACH)) }
        try check("chdir /") { k.chdir("/") }
    }

    /// In the runtime's mount namespace (none in the config): chroot only, as runc does. Neither
    /// pivot_root nor a move may touch that namespace's "/".
    static func chrootOnly(_ c: RootfsConfig) throws {
        let k = c.kernel
        try check("chdir \(c.rootfs)") { k.chdir(c.rootfs) }
        try check("chroot \(c.rootfs)") { k.chroot(".") }
        try check("chdir /") { k.chdir("/") }
    }

    /// --no-pivot: move the rootfs mount onto "/" and chroot into it. The old root stays in the
    /// mount namespace (hidden above the chroot), which is why this mode is less safe.
    static func moveRoot(_ c: RootfsConfig) throws {
        let k = c.kernel
        try check("chdir \(c.rootfs)") { k.chdir(c.rootfs) }
        try check("move rootfs \(c.rootfs) to /") { k.mount(c.rootfs, "/", nil, MS.move, nil) }
        try check("chroot \(c.rootfs)") { k.chroot(".") }
        try check("chdir /") { k.chdir("/") }
    }
}
