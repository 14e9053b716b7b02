#if canImport(Glibc)
import Glibc
#endif
import CShim

/// seccomp(2): loading a filter and probing what the kernel supports.
public enum SeccompSyscall {
    /// SECCOMP_FILTER_FLAG_* (<linux/seccomp.h>).
    public static let flagTSync = SR_SECCOMP_FILTER_FLAG_TSYNC
    public static let flagLog = SR_SECCOMP_FILTER_FLAG_LOG
    public static let flagSpecAllow = SR_SECCOMP_FILTER_FLAG_SPEC_ALLOW
    public static let flagNewListener = SR_SECCOMP_FILTER_FLAG_NEW_LISTENER
    public static let flagTSyncESRCH = SR_SECCOMP_FILTER_FLAG_TSYNC_ESRCH
    public static let flagWaitKillableRecv = SR_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV

    /// seccomp(SECCOMP_SET_MODE_FILTER, flags, program) (prctl(PR_SET_SECCOMP) when flags are 0
    /// and seccomp(2) is missing). The listener fd with NEW_LISTENER, else 0; -1 with errno set.
    /// Async-signal-safe and allocation-free: usable right after fork, and by the container init
    /// as its last act before execve.
    public static func install(flags: UInt32, bpf: UnsafeRawBufferPointer) -> Int32 {
        sr_seccomp_install(flags, bpf.baseAddress!, bpf.count)
    }

    /// Whether the kernel accepts this filter flag combination.
    public static func flagsSupported(_ flags: UInt32) -> Bool { sr_seccomp_flags_supported(flags) == 1 }

    /// Whether the kernel implements seccomp filters (PR_GET_SECCOMP works) and knows `action`.
    public static func available(action: UInt32) -> Bool {
        sr_prctl(SR_PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && sr_seccomp_action_avail(action) == 1
    }
}
