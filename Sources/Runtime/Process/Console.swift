#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec

/// process.terminal with `--console-socket`: the pty is made in the container's own devpts
/// instance, its slave becomes /dev/console and the init's stdio and controlling terminal, and the
/// master goes to the engine over the console socket (SCM_RIGHTS), as runc does.
enum Console {
    static let TIOCSPTLCK: UInt = 0x4004_5431
    static let TIOCGPTPEER: UInt = 0x5441

    /// Connects to the engine's console socket; long paths go through /proc/self/fd/<dirfd>/.
    static func connect(_ path: String) throws -> Int32 {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let dfd = try FileIO.open(dir, SafePath.O_PATH | O_DIRECTORY)
        defer { close(dfd) }
        do { return try UnixAddress.connect("/proc/self/fd/\(dfd)/\(name)", type: Int32(SOCK_STREAM.rawValue)) } catch {
            throw RuntimeError("--console-socket \(path)", cause: error)
        }
    }

    /// Opens a pty in the devpts of `root` (a directory fd; nil: the current root), sets its size,
    /// sends the master over `socket` and returns the slave.
    static func openPty(root: Int32?, socket: Int32, size: Box?) throws -> Int32 {
        let master: Int32
        if let root {
            master = try SafePath.open(root: root, "/dev/pts/ptmx", flags: O_RDWR | O_NOCTTY | O_CLOEXEC)
        } else {
            master = try FileIO.open("/dev/ptmx", O_RDWR | O_NOCTTY)
        }
        defer { close(master) }
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
    /// devpts whose slave is bound onto /dev/console. Returns the slave fd.
    static func setUp(rootfs: String, socket: Int32, size: Box?) throws -> Int32 {
        let root = try FileIO.open(rootfs, SafePath.O_PATH | O_DIRECTORY)
        defer { close(root) }
        let slave = try openPty(root: root, socket: socket, size: size)
        let target = try SafePath.open(root: root, "/dev/console")
        defer { close(target) }
        try Mount.mount(source: SafePath.procPath(slave), target: SafePath.procPath(target), fstype: nil,
                        flags: UInt(MS_BIND), data: nil)
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
