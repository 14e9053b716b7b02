#if canImport(Glibc)
import Glibc
#endif
import CShim

/// AF_UNIX SOCK_DGRAM sockets, for the sd_notify(3) protocol (the NOTIFY_SOCKET relay).
public enum UnixDatagram {
    /// A datagram socket bound at `path` (a stale socket file there is replaced), mode 0777 so
    /// any user in the container may send to it.
    public static func bind(_ path: String) throws -> Int32 {
        let fd = try sys("socket", path) { socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var a = try UnixAddress(path)
            var st = stat()
            if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
            try sys("bind", path) { a.withSockaddr { Glibc.bind(fd, $0, $1) } }
            try sys("chmod", path) { chmod(path, 0o777) }
        } catch { close(fd); throw error }
        return fd
    }

    /// A datagram socket connected to `path`.
    public static func connect(_ path: String) throws -> Int32 {
        try UnixAddress.connect(path, type: Int32(SOCK_DGRAM.rawValue))
    }

    /// One datagram arriving within `timeoutMs` (up to `max` bytes), nil on timeout.
    public static func receive(_ fd: Int32, timeoutMs: Int32, max: Int = 4096) throws -> [UInt8]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = try sys("poll", "notify socket") { poll(&p, 1, timeoutMs) }
        if n == 0 { return nil }
        var buf = [UInt8](repeating: 0, count: max)
        let r = try sys("recv", "notify socket") { buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, Int32(MSG_DONTWAIT)) } }
        return Array(buf[0..<r])
    }

    public static func send(_ fd: Int32, _ bytes: [UInt8], what: String) throws {
        _ = try sys("send", what) { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) } }
    }

    /// sd_notify's barrier: sends "BARRIER=1" with the write end of a fresh pipe and waits until
    /// the receiver closed its copy (the read end sees POLLHUP), up to `timeoutMs`. false: timed out.
    public static func barrier(_ fd: Int32, timeoutMs: Int32, what: String) throws -> Bool {
        var ends: [Int32] = [-1, -1]
        try sys("pipe2", what) { sr_pipe2(&ends, O_CLOEXEC) }
        defer { close(ends[0]) }
        let msg = Array("BARRIER=1".utf8)
        let r = msg.withUnsafeBytes { sr_send_fd(fd, ends[1], $0.baseAddress, msg.count) }
        let e = errno
        close(ends[1])
        if r < 0 { throw SysError("sendmsg", what, errno: e) }
        var p = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        return try sys("poll", what) { poll(&p, 1, timeoutMs) } > 0
    }

    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// True while `pid` exists (kill(pid, 0)).
    public static func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
}
