#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Per-process scheduling and placement attributes (config.md "Process", config-linux.md
/// "Memory policy"/"Personality"): the raw syscalls, each returning what the kernel returns
/// (-1 with errno set on failure, except `personality`, which returns the previous persona).
public enum ProcessControl {
    /// sched_setattr(0, attr, 0) with a SCHED_ATTR_SIZE_VER0 struct sched_attr.
    public static func schedSetattr(policy: UInt32, flags: UInt64, nice: Int32, priority: UInt32, runtime: UInt64,
                                    deadline: UInt64, period: UInt64) -> Int32 {
        sr_sched_setattr(0, policy, flags, nice, priority, runtime, deadline, period)
    }

    /// ioprio_set(IOPRIO_WHO_PROCESS, 0, value).
    public static func ioprioSet(_ value: Int32) -> Int32 { sr_ioprio_set(0, value) }

    public static func personality(_ persona: UInt) -> Int32 { sr_personality(persona) }

    /// The calling thread's CPU mask into `mask`; the number of bytes the kernel filled.
    public static func schedGetaffinity(_ mask: inout [UInt8]) -> Int32 {
        let n = mask.count
        return mask.withUnsafeMutableBufferPointer { sr_sched_getaffinity(0, $0.baseAddress, n) }
    }

    public static func schedSetaffinity(_ mask: [UInt8]) -> Int32 { sr_sched_setaffinity(0, mask, mask.count) }

    /// set_mempolicy(mode | flags, nodemask, maxnode); an empty mask passes NULL.
    public static func setMempolicy(_ modeWithFlags: Int32, nodes: [UInt], maxnode: UInt) -> Int {
        if nodes.isEmpty { return sr_set_mempolicy(modeWithFlags, nil, 0) }
        return nodes.withUnsafeBufferPointer { sr_set_mempolicy(modeWithFlags, $0.baseAddress, maxnode) }
    }

    /// umask(2); returns the previous mask.
    @discardableResult
    public static func umask(_ mode: mode_t) -> mode_t { Glibc.umask(mode) }
}

extension FileIO {
    /// stat(2) of a path (following symlinks); nil with errno set when it fails.
    public static func status(_ path: String) -> FileStat? {
        var st = FileStat()
        return statPath(path, &st) == 0 ? st : nil
    }

    /// faccessat(path, X_OK, AT_EACCESS): executable with the effective ids and capabilities,
    /// as execve checks. glibc makes that faccessat2, which a seccomp profile older than it may
    /// refuse (EPERM, or ENOSYS): then, as Go (runc) does, the old faccessat, which checks with
    /// the real ids (the same as the effective ones once the container's identity is set).
    public static func isExecutable(_ path: String) -> Bool {
        if faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0 { return true }
        guard errno == EPERM || errno == ENOSYS else { return false }
        return sr_faccessat_noflags(AT_FDCWD, path, X_OK) == 0
    }
}

/// SCM_RIGHTS over a unix socket: a payload of at least one byte with at most one fd.
public enum FDPassing {
    /// sendmsg of `bytes` (with `fd` attached when >= 0); the bytes sent, or -1 with errno set.
    public static func send(_ sock: Int32, fd: Int32 = -1, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { sr_send_fd(sock, fd, $0.baseAddress, $0.count) }
    }

    /// recvmsg into `buffer`; the byte count (-1 with errno set, 0 on EOF) and the fd that came
    /// with it (-1 when none did).
    public static func receive(_ sock: Int32, into buffer: inout [UInt8]) -> (count: Int, fd: Int32) {
        var fd: Int32 = -1
        let n = buffer.withUnsafeMutableBytes { sr_recv_fd(sock, &fd, $0.baseAddress, $0.count) }
        return (n, fd)
    }
}

extension UnixAddress {
    /// A connected AF_UNIX pair of `type` (SOCK_SEQPACKET, SOCK_STREAM), both close-on-exec.
    public static func socketPair(type: Int32, name: String) throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try sys("socketpair", name) { socketpair(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (fds[0], fds[1])
    }
}
