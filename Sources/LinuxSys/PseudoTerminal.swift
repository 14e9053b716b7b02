#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The pty calls of the console setup (in the init and exec's child): unlocking a master,
/// opening its peer, making a terminal the controlling one. Each allocates nothing.
public enum PseudoTerminal {
    /// ioctl(TIOCSPTLCK, 0): unlocks the slave of `master`.
    public static func unlock(_ master: Int32, name: String) throws {
        var unlock: Int32 = 0
        try sys("ioctl(TIOCSPTLCK)", name) { sr_ioctl_ptr(master, UInt(SR_TIOCSPTLCK), &unlock) }
    }

    /// ioctl(TIOCGPTPEER): the slave of `master`, opened with `flags`, without a path lookup.
    public static func openPeer(_ master: Int32, flags: Int32, name: String) throws -> Int32 {
        try sys("ioctl(TIOCGPTPEER)", name) { sr_ioctl_int(master, UInt(SR_TIOCGPTPEER), flags) }
    }

    /// ioctl(fd, TIOCSCTTY): `fd` becomes the calling session's controlling terminal.
    public static func makeControlling(_ fd: Int32, name: String) throws {
        try sys("ioctl(TIOCSCTTY)", name) { sr_set_ctty(fd) }
    }

    /// ioctl(TIOCSWINSZ) of `fd`.
    public static func setWindowSize(_ fd: Int32, rows: UInt16, cols: UInt16, name: String) throws {
        try sys("ioctl(TIOCSWINSZ)", name) { sr_set_winsize(fd, rows, cols) }
    }
}

extension FileIO {
    /// fstatfs(2) of an fd: its filesystem magic. Errors name `name`.
    public static func filesystemMagic(fd: Int32, name: String) throws -> UInt64 {
        var magic: UInt64 = 0
        try sys("fstatfs", name) { sr_statfs(fd, nil, &magic, nil) }
        return magic
    }

    /// openat2(2) of `path` below `dirfd` with `flags` and the RESOLVE_* bits `resolve`.
    /// Errors say "openat2" and name `name`.
    public static func open(at dirfd: Int32, _ path: String, flags: Int32, resolve: UInt64, name: String) throws -> Int32 {
        try sys("openat2", name) { sr_openat2(dirfd, path, UInt64(UInt32(bitPattern: flags)), 0, resolve) }
    }
}

/// Network interfaces of the calling thread's network namespace.
public enum NetworkInterface {
    /// if_nametoindex(3): the index of `name`, or nil with errno set.
    public static func index(of name: String) -> Int32? {
        let i = Int32(bitPattern: sr_if_nametoindex(name))
        return i == 0 ? nil : i
    }
}

extension SocketIO {
    /// sendto(2) of one netlink message to the kernel (EINTR retried): the bytes sent, or -1.
    public static func sendToKernel(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { sr_netlink_send(fd, $0.baseAddress, $0.count) }
    }

    /// recv(2) into `buffer` (EINTR retried): the bytes received, or -1 with errno set.
    public static func receiveSome(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }
}
