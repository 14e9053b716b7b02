#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys

/// Switching the process root to the rootfs.
enum PivotRoot {
    /// pivot_root(".", ".") with cwd at the new root: the old root ends up stacked on top of the
    /// new one; from an fd of it we make it rslave (so the unmount cannot reach the host) and
    /// lazily detach it, which uncovers the new root.
    static func pivot(_ c: RootfsConfig) throws {
        let flags = O_DIRECTORY | O_RDONLY | O_CLOEXEC
        let old = try check("open /") { sr_open("/", flags, 0) }
        defer { close(old) }
        let new = try check("open rootfs \(c.rootfs)") { sr_open(c.rootfs, flags, 0) }
        defer { close(new) }
        try check("chdir \(c.rootfs)") { fchdir(new) }
        try check("pivot_root \(c.rootfs)") { sr_pivot_root(".", ".") }
        try check("chdir old root") { fchdir(old) }
        try check("make old root rslave") { mount(nil, ".", nil, MS.slave | MS.rec, nil) }
        try check("unmount old root") { umount2(".", Int32(MNT_DETACH)) }
        try check("chdir /") { chdir("/") }
    }

    /// In the runtime's mount namespace (none in the config): chroot only, as runc does. Neither
    /// pivot_root nor a move may touch that namespace's "/".
    static func chrootOnly(_ c: RootfsConfig) throws {
        try check("chdir \(c.rootfs)") { chdir(c.rootfs) }
        try check("chroot \(c.rootfs)") { chroot(".") }
        try check("chdir /") { chdir("/") }
    }

    /// --no-pivot: move the rootfs mount onto "/" and chroot into it. The old root stays in the
    /// mount namespace (hidden above the chroot), which is why this mode is less safe.
    static func moveRoot(_ c: RootfsConfig) throws {
        try check("chdir \(c.rootfs)") { chdir(c.rootfs) }
        try check("move rootfs \(c.rootfs) to /") { mount(c.rootfs, "/", nil, MS.move, nil) }
        try check("chroot \(c.rootfs)") { chroot(".") }
        try check("chdir /") { chdir("/") }
    }
}
