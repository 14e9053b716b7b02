#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

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
    /// mount namespace (hidden above the chroot), which is why this mode is less safe. First every
    /// full procfs and sysfs mount outside the rootfs is detached (or covered by a tmpfs when that
    /// is refused), as runc does: the kernel lets a nested user namespace mount a fresh procfs or
    /// sysfs when a fully visible one exists in the mount namespace, and the host's would be one,
    /// bypassing maskedPaths/readonlyPaths.
    static func moveRoot(_ c: RootfsConfig) throws {
        let k = c.kernel
        try detachFullProcAndSysfs(outside: c.rootfs, kernel: k)
        try check("chdir \(c.rootfs)") { k.chdir(c.rootfs) }
        try check("move rootfs \(c.rootfs) to /") { k.mount(c.rootfs, "/", nil, MS.move, nil) }
        try check("chroot \(c.rootfs)") { k.chroot(".") }
        try check("chdir /") { k.chdir("/") }
    }

    /// The mount points of full (root "/") procfs and sysfs mounts outside `rootfs`, deepest
    /// first, from /proc/self/mountinfo.
    static func fullProcAndSysfs(mountinfo: String, outside rootfs: String) -> [String] {
        var out: [String] = []
        for line in mountinfo.split(separator: "\n") {
            // The optional fields end at a lone "-"; the filesystem type follows it.
            let f = line.split(separator: " ")
            guard let dash = f.firstIndex(of: "-"), dash >= 5, dash + 1 < f.count else { continue }
            let fstype = f[dash + 1]
            let root = unescape(f[3]), point = unescape(f[4])
            guard root == "/", fstype == "proc" || fstype == "sysfs" else { continue }
            if point == rootfs || point.hasBytePrefix(rootfs.hasSuffix("/") ? rootfs : rootfs + "/") { continue }
            out.append(point)
        }
        return out.sorted { $0.count > $1.count }
    }

    /// mountinfo's octal escapes (\040 for a space, ...).
    static func unescape<S: StringProtocol>(_ s: S) -> String {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 3 < u.count,
               let v = UInt8(String(decoding: u[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(v); i += 4
            } else {
                bytes.append(u[i]); i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func detachFullProcAndSysfs(outside rootfs: String, kernel k: any Kernel) throws {
        let fd = try checkFD("open /proc/self/mountinfo") { k.open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC, 0) }
        let text: String
        do { text = String(decoding: try FileIO.readAll(fd: fd.rawValue, name: "/proc/self/mountinfo"), as: UTF8.self) } catch {
            throw RootfsError("read /proc/self/mountinfo", errno: (error as? FileError)?.errno ?? EIO)
        }
        for point in fullProcAndSysfs(mountinfo: text, outside: rootfs) {
            // Keep the unmount from propagating to the host.
            if k.mount(nil, point, nil, MS.slave | MS.rec, nil) != 0 {
                if errno == ENOENT { continue }
                throw RootfsError("--no-pivot: make \(point) rslave", errno: errno)
            }
            if k.umount2(point, Int32(MNT_DETACH)) != 0 {
                let e = errno
                guard e == EINVAL || e == EPERM else { throw RootfsError("--no-pivot: detach \(point)", errno: e) }
                try check("--no-pivot: cover \(point) with a tmpfs") { k.mount("tmpfs", point, "tmpfs", 0, nil) }
            }
        }
    }
}
