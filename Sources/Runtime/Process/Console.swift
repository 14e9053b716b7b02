#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Rootfs
import OCISpec

/// process.terminal with `--console-socket`: the pty is made in the container's own devpts
/// instance, its slave becomes /dev/console and the init's stdio and controlling terminal, and the
/// master goes to the engine over the console socket (SCM_RIGHTS), as runc does.
enum Console {
    /// Connects to the engine's console socket; long paths go through /proc/self/fd/<dirfd>/.
    static func connect(_ path: String, flag: String = "--console-socket") throws -> Int32 {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let dfd = FileDescriptor(adopting: try FileIO.open(dir, SafePath.O_PATH | O_DIRECTORY))
        do { return try UnixAddress.connect("/proc/self/fd/\(dfd.rawValue)/\(name)", type: Int32(SOCK_STREAM.rawValue)) } catch {
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
        let pts = FileDescriptor(adopting: try SafePath.open(root: root, "/dev/pts", flags: SafePath.O_PATH | SafePath.O_DIRECTORY))
        let magic = try FileIO.filesystemMagic(fd: pts.rawValue, name: "/dev/pts")
        if magic != DEVPTS_SUPER_MAGIC {
            throw RuntimeError("/dev/pts\(where_): not a devpts filesystem (magic 0x\(String(magic, radix: 16))); "
                               + "refusing to open a pty master there", errno: EPERM)
        }
        let how = SafePath.RESOLVE_BENEATH | SafePath.RESOLVE_NO_XDEV | SafePath.RESOLVE_NO_SYMLINKS
        let ptmx = FileDescriptor(adopting: try FileIO.open(at: pts.rawValue, "ptmx", flags: O_RDWR | O_NOCTTY | O_CLOEXEC,
                                                            resolve: how, name: "/dev/pts/ptmx"))
        let master = ptmx.rawValue
        guard let st = FileIO.status(fd: master) else { throw SysError("fstat", "/dev/pts/ptmx") }
        if !FileKind.isCharDevice(st, .ptmx) {
            throw RuntimeError("/dev/pts/ptmx\(where_): is \(FileKind.describe(st)), not a ptmx (character device 5:2)",
                               errno: EPERM)
        }
        try PseudoTerminal.unlock(master, name: "/dev/pts/ptmx")
        let slave = try PseudoTerminal.openPeer(master, flags: O_RDWR | O_NOCTTY | O_CLOEXEC, name: "/dev/pts/ptmx")
        if let s = size {
            try PseudoTerminal.setWindowSize(slave, rows: UInt16(clamping: s.height), cols: UInt16(clamping: s.width),
                                             name: "console")
        }
        let name = Array("/dev/ptmx".utf8)
        do { _ = try name.withUnsafeBytes { try SocketIO.send(socket, $0, fd: master) } } catch {
            throw RuntimeError("send the pty master over the console socket", cause: SysError("sendmsg", "console socket"))
        }
        return slave
    }

    /// In the init, after the rootfs is mounted and before pivot_root: a pty from the container's
    /// devpts whose slave is bound onto /dev/console (checked again here, without following a
    /// symlink: see ConsoleTarget). Returns the slave fd.
    static func setUp(rootfs: String, socket: Int32, size: Box?) throws -> Int32 {
        let root = FileDescriptor(adopting: try FileIO.open(rootfs, SafePath.O_PATH | O_DIRECTORY))
        let inRootfs = "(in rootfs \(rootfs))"
        let slave = FileDescriptor(adopting: try openPty(root: root.rawValue, socket: socket, size: size, inRootfs: inRootfs))
        let dev = FileDescriptor(adopting: try SafePath.open(root: root.rawValue, "/dev",
                                                             flags: SafePath.O_PATH | SafePath.O_DIRECTORY))
        let target = FileDescriptor(adopting: try ConsoleTarget.open(dev: dev.rawValue, create: false, inRootfs: inRootfs))
        try Mount.mount(source: SafePath.procPath(slave.rawValue), target: SafePath.procPath(target.rawValue), fstype: nil,
                        flags: UInt(MS_BIND), data: nil)
        return slave.release()
    }

    /// A connected pair for a foreground terminal: the runtime keeps `receiver`, the container
    /// process sends the pty master over `sender`.
    static func socketPair() throws -> (receiver: Int32, sender: Int32) {
        let (receiver, sender) = try UnixAddress.socketPair(type: Int32(SOCK_STREAM.rawValue), name: "pty")
        return (receiver, sender)
    }

    /// The pty master sent over `sock` (nil if none came).
    static func receiveMaster(_ sock: Int32) -> Int32? {
        var b = [UInt8](repeating: 0, count: 64)
        guard let got = try? b.withUnsafeMutableBytes({ try SocketIO.receive(sock, into: $0) }) else { return nil }
        return got.fd >= 0 ? got.fd : nil
    }

    /// After pivot_root: the slave becomes stdin/stdout/stderr and the controlling terminal; the
    /// slave's own fd closes when done.
    static func attach(slave: consuming FileDescriptor) throws {
        for fd in Int32(0)...2 { try sys("dup2", "console") { FileIO.duplicate(slave.rawValue, onto: fd) } }
        try PseudoTerminal.makeControlling(0, name: "console")
    }
}
