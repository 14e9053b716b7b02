#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A compiled seccomp filter: classic BPF plus the flags for seccomp(2).
public struct SeccompProgram: Sendable, Equatable {
    /// The classic BPF program as exported by libseccomp (`struct sock_filter` array, 8 bytes per
    /// instruction); callers may cache it keyed by `Seccomp.cacheKey`.
    public let bpf: [UInt8]
    /// SECCOMP_FILTER_FLAG_* bits for seccomp(2), NEW_LISTENER included when `usesNotify`.
    public let flags: UInt32
    /// Some rule uses SCMP_ACT_NOTIFY: `install` returns the listener fd.
    public let usesNotify: Bool

    public init(bpf: [UInt8], flags: UInt32, usesNotify: Bool) {
        self.bpf = bpf
        self.flags = flags
        self.usesNotify = usesNotify
    }

    /// Number of BPF instructions.
    public var instructionCount: Int { bpf.count / 8 }

    /// Loads the filter into the calling thread with seccomp(SECCOMP_SET_MODE_FILTER, flags)
    /// (prctl(PR_SET_SECCOMP) when flags are 0 and seccomp(2) is missing). Returns the listener
    /// fd when `usesNotify`, else nil. The caller has already set no_new_privs or holds
    /// CAP_SYS_ADMIN. Does not allocate on success, so it is usable right after fork.
    public func install() throws -> Int32? {
        var flags = self.flags
        if usesNotify { flags |= Seccomp.FLAG_NEW_LISTENER }
        let r = bpf.withUnsafeBytes { SeccompSyscall.install(flags: flags, bpf: $0) }
        if r < 0 {
            let e = errno
            throw SeccompError("seccomp(SECCOMP_SET_MODE_FILTER, flags 0x\(String(flags, radix: 16)), \(instructionCount) instructions)", errno: e)
        }
        return usesNotify ? r : nil
    }
}
