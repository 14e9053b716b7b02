#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// One device node to provide in the container.
struct DeviceNode: Equatable {
    var path: String
    var type: mode_t      // S_IFCHR, S_IFBLK or S_IFIFO
    var major: UInt64
    var minor: UInt64
    var mode: mode_t
    var uid: uid_t
    var gid: gid_t
    /// A default device replaces a stale non-matching file; a configured one reports an error.
    var isDefault = false

    var rdev: dev_t {
        // glibc's makedev encoding.
        dev_t((major & 0xfff) << 8 | (minor & 0xff) | (minor & ~0xff) << 12 | (major & ~0xfff) << 32)
    }

    /// The devices the spec requires in every container (config-linux.md "Default Devices").
    static let defaults: [DeviceNode] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ].map { DeviceNode(path: "/dev/" + $0.0, type: S_IFCHR, major: $0.1, minor: $0.2, mode: 0o666, uid: 0, gid: 0,
                       isDefault: true) }

    init(path: String, type: mode_t, major: UInt64, minor: UInt64, mode: mode_t, uid: uid_t, gid: gid_t,
         isDefault: Bool = false) {
        self.path = path; self.type = type; self.major = major; self.minor = minor
        self.mode = mode; self.uid = uid; self.gid = gid; self.isDefault = isDefault
    }

    init(_ d: LinuxDevice) throws {
        let t: mode_t
        switch d.type {
        case "c", "u": t = S_IFCHR
        case "b": t = S_IFBLK
        case "p": t = S_IFIFO
        default: throw RootfsError("mknod \(d.path)", errno: EINVAL, detail: "unknown device type \"\(d.type)\"")
        }
        if t != S_IFIFO && (d.major == nil || d.minor == nil) {
            throw RootfsError("mknod \(d.path)", errno: EINVAL, detail: "major and minor are required for type \(d.type)")
        }
        let path = d.path.hasBytePrefix("/") ? d.path : "/" + d.path
        self.init(path: path, type: t, major: UInt64(max(0, d.major ?? 0)), minor: UInt64(max(0, d.minor ?? 0)),
                  mode: mode_t(d.fileMode ?? 0o666) & 0o7777, uid: d.uid ?? 0, gid: d.gid ?? 0)
    }
}

extension Stage {
    /// True when a mount puts a bind of the host (or something else) at /dev; then, like runc, the
    /// default devices and /dev symlinks are left to whatever that /dev provides.
    var devIsBound: Bool {
        c.mounts.contains { m in
            let d = SafePath.components(m.destination)
            return d == ["dev"] && (m.type == "bind" || (m.options ?? []).contains { $0 == "bind" || $0 == "rbind" })
        }
    }

    /// linux.devices, then the default devices not overridden by them, then /dev symlinks and
    /// /dev/console. mknod outside a user namespace; inside one (no CAP_MKNOD over the host's
    /// devices) the host node is bind-mounted onto an empty file. FIFOs are always mknod'ed.
    func createDevices() throws {
        var nodes = try c.devices.map(DeviceNode.init)
        let bound = devIsBound
        if !bound {
            for d in DeviceNode.defaults where !nodes.contains(where: { $0.path == d.path }) { nodes.append(d) }
        }
        if !nodes.isEmpty {
            let old = k.umask(0)
            defer { _ = k.umask(old) }
            let euid = k.geteuid(), egid = k.getegid()
            for n in nodes { try create(n, euid: euid, egid: egid) }
        }
        if !bound { try devSymlinks() }
        if c.terminal || c.consoleSlavePath != nil { try console() }
    }

    private func create(_ n: DeviceNode, euid: uid_t, egid: gid_t) throws {
        let comps = SafePath.components(n.path)
        guard let name = comps.last, name != ".." else {
            throw RootfsError("mknod \(n.path)", errno: EINVAL, detail: "not a valid device path")
        }
        let parentFD = try create("/" + comps.dropLast().inlineJoined(separator: "/"), .directory)
        let parent = parentFD.rawValue
        if c.inNewUserNamespace && n.type != S_IFIFO {
            try bindHostDevice(n, parent: parent, name: name)
            return
        }
        if k.mknodat(parent, name, n.type | n.mode, n.rdev) != 0 {
            let e = errno
            guard e == EEXIST else { throw RootfsError("mknod \(n.path) \(inRootfs)", errno: e) }
            var st = FileStat()
            try check("mknod \(n.path) \(inRootfs): stat") { k.fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) }
            if st.st_mode & S_IFMT == n.type && (n.type == S_IFIFO || st.st_rdev == n.rdev) {
                // Already the requested device (e.g. a /dev bound from the host): keep mode/owner.
                return
            }
            guard n.isDefault, st.st_mode & S_IFMT != S_IFDIR else {
                throw RootfsError("mknod \(n.path) \(inRootfs)", errno: EEXIST,
                                  detail: "a file that is not the requested device already exists")
            }
            try check("mknod \(n.path) \(inRootfs): unlink") { k.unlinkat(parent, name, 0) }
            try check("mknod \(n.path) \(inRootfs)") { k.mknodat(parent, name, n.type | n.mode, n.rdev) }
        }
        if n.uid != euid || n.gid != egid {
            try check("chown \(n.path) \(inRootfs)") { k.fchownat(parent, name, n.uid, n.gid, AT_SYMLINK_NOFOLLOW) }
        }
    }

    /// User namespace: an empty regular file with the host's device node bound over it.
    private func bindHostDevice(_ n: DeviceNode, parent: Int32, name: String) throws {
        var st = FileStat()
        if k.fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
            if st.st_mode & S_IFMT == n.type && st.st_rdev == n.rdev { return }
            if st.st_mode & S_IFMT != S_IFREG {
                throw RootfsError("bind device \(n.path) \(inRootfs)", errno: EEXIST,
                                  detail: "a file that is not the requested device already exists")
            }
        } else {
            _ = try checkFD("bind device \(n.path) \(inRootfs): create") {  // the file only, no fd kept
                k.openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0)
            }
        }
        let target = try checkFD("bind device \(n.path) \(inRootfs): open") {
            k.openat(parent, name, SafePath.O_PATH | O_NOFOLLOW | O_CLOEXEC, 0)
        }
        try check("bind device \(n.path) \(inRootfs)") {
            k.mount(n.path, SafePath.procPath(target.rawValue), nil, MS.bind, nil)
        }
    }

    /// /dev/fd, stdin, stdout, stderr, ptmx -> pts/ptmx, and core -> /proc/kcore when /proc is mounted.
    private func devSymlinks() throws {
        let devFD = try create("/dev", .directory)
        let dev = devFD.rawValue
        var links: [(String, String)] = [
            ("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
            ("/proc/self/fd/2", "stderr"),
        ]
        if c.mounts.contains(where: { $0.type == "proc" && SafePath.components($0.destination) == ["proc"] }),
           k.access("/proc/kcore", F_OK) == 0 {
            links.append(("/proc/kcore", "core"))
        }
        if !c.devices.contains(where: { SafePath.components($0.path) == ["dev", "ptmx"] }) {
            // The devpts instance's ptmx; a stale node or file would bypass newinstance.
            if k.unlinkat(dev, "ptmx", 0) != 0 && errno != ENOENT {
                throw RootfsError("remove /dev/ptmx \(inRootfs)")
            }
            links.append(("pts/ptmx", "ptmx"))
        }
        for (target, name) in links where k.symlinkat(target, dev, name) != 0 && errno != EEXIST {
            throw RootfsError("symlink \(target) to /dev/\(name) \(inRootfs)")
        }
    }

    /// /dev/console: an empty file, with the pty slave bound onto it when the runtime gave one.
    /// Made with O_NOFOLLOW next to an fd of /dev, and it must be a regular file or a character
    /// device: a symlink planted there would have the console created and mounted over its
    /// target, anywhere in the rootfs (CVE-2025-52565 class).
    private func console() throws {
        let dev = try create("/dev", .directory)
        let target = FileDescriptor(adopting: try ConsoleTarget.open(dev: dev.rawValue, create: true, inRootfs: inRootfs,
                                                                     kernel: k))
        if let slave = c.consoleSlavePath {
            try check("mount \(slave) to /dev/console \(inRootfs)") {
                k.mount(slave, SafePath.procPath(target.rawValue), nil, MS.bind, nil)
            }
        }
    }
}

/// The file /dev/console is mounted on.
public enum ConsoleTarget {
    /// An O_PATH fd of `console` in the directory `dev`, never following a symlink there, and
    /// only when it is a regular file or a character device (a stale node from an image); with
    /// `create`, an empty file is made when there is none.
    public static func open(dev: Int32, create: Bool, inRootfs: String, kernel k: any Kernel = LinuxKernel()) throws -> Int32 {
        let ctx = "/dev/console \(inRootfs)"
        if create {
            let made = FileDescriptor(adoptingResult: k.openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                                               0o620))
            if made == nil && errno != EEXIST { throw RootfsError("create \(ctx)") }
        }
        let fd = try checkFD("open \(ctx)") { k.openat(dev, "console", SafePath.O_PATH | SafePath.O_NOFOLLOW | O_CLOEXEC, 0) }
        var st = FileStat()
        if k.fstat(fd.rawValue, &st) != 0 { throw RootfsError("stat \(ctx)", errno: errno) }
        let kind = st.st_mode & S_IFMT
        if kind != S_IFREG && kind != S_IFCHR {
            throw RootfsError(ctx, errno: EPERM,
                              detail: "is \(FileKind.describe(st)); refusing to mount the console on it")
        }
        return fd.release()
    }
}
