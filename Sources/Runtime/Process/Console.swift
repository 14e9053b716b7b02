#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import Rootfs
import OCISpec

/// process.terminal with `--console-socket`: the pty is made in the container's own devpts
/// instance, its slave becomes /dev/console and the init's stdio and controlling terminal, and the
/// master goes to the engine over the console socket (SCM_RIGHTS), as runc does.
enum Console {
    static let TIOCSPTLCK: UInt = 0x4004_5431
    static let TIOCGPTPEER: UInt = 0x5441

    /// Connects to the engine's console socket; long paths go through /proc/self/fd/<dirfd>/.
    static func connect(_ path: String, flag: String = "--console-socket") throws -> Int32 {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let dfd = try FileIO.open(dir, SafePath.O_PATH | O_DIRECTORY)
        defer { close(dfd) }
        do { return try UnixAddress.connect("/proc/self/fd/\(dfd)/\(name)", type: Int32(SOCK_STREAM.rawValue)) } catch {
            throw RuntimeError("\(flag) \(path)", cause: error)
        }
    }

    static let DEVPTS_SUPER_MAGIC: UInt64 = 0x1cd1

    /// Opens a pty in the devpts at /dev/pts of `root` (a directory fd: the rootfs, or the
    /// container's root for exec), sets its size, sends the master over `socket` and returns
    /// the slave.
    ///
    /// Nothing is opened read-write before it is known to be a devpts ptmx (CVE-2025-52565
    /// class): /dev/pts must be a devpts filesystem, and its `ptmx` is opened with openat2
    /// (RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS) from there, so neither a
    /// symlink planted by an image or a running container (/dev/ptmx, /dev/pts/ptmx) nor a mount
    /// over it can turn the open into one of some other file or device. /dev/ptmx is not used.
    static func openPty(root: Int32, socket: Int32, size: Box?, inRootfs: String = "") throws -> Int32 {
        let where_ = inRootfs.isEmpty ? "" : " " + inRootfs
        let pts = try SafePath.open(root: root, "/dev/pts", flags: SafePath.O_PATH | SafePath.O_DIRECTORY)
        defer { close(pts) }
        var magic: UInt64 = 0
        try sys("fstatfs", "/dev/pts") { sr_statfs(pts, nil, &magic, nil) }
        if magic != DEVPTS_SUPER_MAGIC {
            throw RuntimeError("/dev/pts\(where_): not a devpts filesystem (magic 0x\(String(magic, radix: 16))); "
                               + "refusing to open a pty master there", errno: EPERM)
        }
        let how = SafePath.RESOLVE_BENEATH | SafePath.RESOLVE_NO_XDEV | SafePath.RESOLVE_NO_SYMLINKS
        let master = try sys("openat2", "/dev/pts/ptmx") {
            sr_openat2(pts, "ptmx", UInt64(UInt32(bitPattern: O_RDWR | O_NOCTTY | O_CLOEXEC)), 0, how)
        }
        defer { close(master) }
        var st = stat()
        try sys("fstat", "/dev/pts/ptmx") { fstat(master, &st) }
        if !FileKind.isCharDevice(st, .ptmx) {
            throw RuntimeError("/dev/pts/ptmx\(where_): is \(FileKind.describe(st)), not a ptmx (character device 5:2)",
                               errno: EPERM)
        }
        var unlock: Int32 = 0
        try sys("ioctl(TIOCSPTLCK)", "/dev/pts/ptmx") { sr_ioctl_ptr(master, TIOCSPTLCK, &unlock) }
        let slave = try sys("ioctl(TIOCGPTPEER)", "/dev/pts/ptmx") {
            sr_ioctl_int(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)
        }
        if let s = size {
            try sys("ioctl(TIOCSWINSZ)", "console") { sr_set_winsize(slave, UInt16(clamping: s.height), UInt16(clamping: s.width)) }
        }
        let name = Array("/dev/ptmx".utf8)
        let r = name.withUnsafeBytes { sr_send_fd(socket, master, $0.baseAddress, $0.count) }
        if r < 0 { throw RuntimeError("send the pty master over the console socket", cause: SysError("sendmsg", "console socket")) }
        return slave
    }

    /// In the init, after the rootfs is mounted and before pivot_root: a pty from the container's
    /// devpts whose slave is bound onto /dev/console (checked again here, without following a
    /// symlink: see ConsoleTarget). Returns the slave fd.
    static func setUp(rootfs: String, socket: Int32, size: Box?) throws -> Int32 {
        let root = try FileIO.open(rootfs, SafePath.O_PATH | O_DIRECTORY)
        defer { close(root) }
        let inRootfs = "(in rootfs \(rootfs))"
        let slave = try openPty(root: root, socket: socket, size: size, inRootfs: inRootfs)
        do {
            let dev = try SafePath.open(root: root, "/dev", flags: SafePath.O_PATH | SafePath.O_DIRECTORY)
            defer { close(dev) }
            let target = try ConsoleTarget.open(dev: dev, create: false, inRootfs: inRootfs)
            defer { close(target) }
            try Mount.mount(source: SafePath.procPath(slave), target: SafePath.procPath(target), fstype: nil,
                            flags: UInt(MS_BIND), data: nil)
        } catch {
            close(slave)
            throw error
        }
        return slave
    }

    /// A connected pair for a foreground terminal: the runtime keeps `receiver`, the container
    /// process sends the pty master over `sender`.
    static func socketPair() throws -> (receiver: Int32, sender: Int32) {
        var pair: [Int32] = [-1, -1]
        try sys("socketpair", "pty") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) }
        return (pair[0], pair[1])
    }

    /// The pty master sent over `sock` (nil if none came).
    static func receiveMaster(_ sock: Int32) -> Int32? {
        var b = [UInt8](repeating: 0, count: 64)
        var fd: Int32 = -1
        _ = b.withUnsafeMutableBytes { sr_recv_fd(sock, &fd, $0.baseAddress, $0.count) }
        return fd >= 0 ? fd : nil
    }

    /// After pivot_root: the slave becomes stdin/stdout/stderr and the controlling terminal.
    static func attach(slave: Int32) throws {
        for fd in Int32(0)...2 { try sys("dup2", "console") { dup2(slave, fd) } }
        try sys("ioctl(TIOCSCTTY)", "console") { sr_set_ctty(0) }
        close(slave)
    }
}
