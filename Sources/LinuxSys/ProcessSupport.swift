#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Signal state of the runtime and of the container processes it clones.
public enum SignalMask {
    /// Blocks every signal the runtime forwards or waits for; returns the old mask for `restore`.
    public static func blockAll() -> [UInt8] {
        var old = [UInt8](repeating: 0, count: 128)
        _ = sr_block_all_signals(&old)
        return old
    }

    public static func restore(_ mask: [UInt8]) {
        _ = mask.withUnsafeBytes { sr_restore_signals($0.baseAddress) }
    }

    /// In a freshly cloned container process: every disposition back to default, nothing blocked.
    public static func resetForChild() {
        sr_reset_signal_dispositions()
        restore([UInt8](repeating: 0, count: 128))
    }
}

extension Proc {
    /// 0 when the parent is outside our pid namespace.
    public static var parentPid: pid_t { getppid() }

    /// readlink("/proc/self"): the caller's pid in the pid namespace of the procfs mounted at
    /// /proc (the host's before pivot_root), else getpid().
    public static func pidInMountedProc() -> pid_t {
        guard let s = SafePath.readLink(AT_FDCWD, "/proc/self"), let p = Int32(s) else { return getpid() }
        return p
    }

    /// _exit(2): no atexit handlers, no buffers flushed (a cloned child must not run the parent's).
    public static func exitNow(_ code: Int32) -> Never { _exit(code) }
}

extension FileIO {
    /// close(2) of an fd the caller owns as a raw number; errors ignored (as after a failed use).
    public static func close(_ fd: Int32) { if fd >= 0 { _ = Glibc.close(fd) } }

    /// One byte, or nil on EOF or error.
    public static func readByte(_ fd: Int32) -> UInt8? {
        var b: UInt8 = 0
        return Glibc.read(fd, &b, 1) == 1 ? b : nil
    }

    /// A write whose failure the caller cannot act on (an error text to a peer that may be gone).
    public static func writeBestEffort(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}

extension UnixAddress {
    /// accept4(SOCK_CLOEXEC) on a listening socket, retrying EINTR.
    public static func accept(_ listener: Int32) throws -> Int32 {
        try sys("accept", "fd \(listener)") { sr_accept_cloexec(listener) }
    }
}
