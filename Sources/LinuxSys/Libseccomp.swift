#if canImport(Glibc)
import Glibc
#endif
import CShim

/// libseccomp, linked statically with the shim: building a filter and exporting its classic BPF.
/// This is user-space work (only the export touches the kernel, through a memfd); loading the
/// filter is `SeccompSyscall.install`. Failures are libseccomp's negative errnos.
public enum Libseccomp {
    /// The version linked in.
    public static var version: (major: UInt32, minor: UInt32, micro: UInt32) {
        var ma: UInt32 = 0
        var mi: UInt32 = 0
        var mc: UInt32 = 0
        sr_scmp_version(&ma, &mi, &mc)
        return (ma, mi, mc)
    }

    /// The token of a runtime-spec architecture name ("SCMP_ARCH_X86_64"); nil when this
    /// libseccomp does not know it.
    public static func archToken(_ specName: String) -> UInt32? {
        let t = sr_scmp_arch_token(specName)
        return t == 0 ? nil : t
    }

    /// seccomp_syscall_resolve_name for the native architecture: the syscall's number (negative
    /// pseudo-numbers for syscalls this architecture lacks, which libseccomp accepts in rules);
    /// nil when libseccomp does not know the name (__NR_SCMP_ERROR).
    public static func syscallNumber(_ name: String) -> Int32? {
        let nr = sr_scmp_resolve(name)
        return nr == -1 ? nil : nr
    }

    /// Actions (<seccomp.h>). ERRNO and TRACE carry 16 bits of data: `actErrno(EPERM)`.
    public static let actKillProcess = SR_SCMP_ACT_KILL_PROCESS
    public static let actKillThread = SR_SCMP_ACT_KILL_THREAD
    public static let actTrap = SR_SCMP_ACT_TRAP
    public static let actNotify = SR_SCMP_ACT_NOTIFY
    public static let actLog = SR_SCMP_ACT_LOG
    public static let actAllow = SR_SCMP_ACT_ALLOW
    public static func actErrno(_ e: UInt32) -> UInt32 { SR_SCMP_ACT_ERRNO_BASE | (e & 0xffff) }
    public static func actTrace(_ e: UInt32) -> UInt32 { SR_SCMP_ACT_TRACE_BASE | (e & 0xffff) }

    /// `enum scmp_compare` values by the spec's operator names.
    public static let compareOperators: [String: UInt32] = [
        "SCMP_CMP_NE": SR_SCMP_CMP_NE, "SCMP_CMP_LT": SR_SCMP_CMP_LT, "SCMP_CMP_LE": SR_SCMP_CMP_LE,
        "SCMP_CMP_EQ": SR_SCMP_CMP_EQ, "SCMP_CMP_GE": SR_SCMP_CMP_GE, "SCMP_CMP_GT": SR_SCMP_CMP_GT,
        "SCMP_CMP_MASKED_EQ": SR_SCMP_CMP_MASKED_EQ,
    ]

    /// A filter being built: seccomp_init, then rules, then the BPF export; released on deinit.
    public final class Filter {
        private let ctx: UnsafeMutableRawPointer

        /// nil when libseccomp refuses the default action.
        public init?(defaultAction: UInt32) {
            guard let c = sr_scmp_new(defaultAction) else { return nil }
            ctx = c
        }

        deinit { sr_scmp_free(ctx) }

        /// seccomp_arch_add; an architecture already present is no error. 0 or a negative errno.
        public func addArchitecture(_ token: UInt32) -> Int32 { sr_scmp_arch_add(ctx, token) }

        /// SCMP_FLTATR_CTL_OPTIMIZE (2: binary-tree dispatch).
        public func setOptimize(_ level: UInt32) -> Int32 { sr_scmp_set_optimize(ctx, level) }

        /// One rule with `index.count` (at most 6) comparisons, ANDed; 0 or a negative errno.
        /// For SCMP_CMP_MASKED_EQ `a` is the mask and `b` the datum.
        public func addRule(action: UInt32, syscall nr: Int32, index: [UInt32], op: [UInt32], a: [UInt64], b: [UInt64]) -> Int32 {
            precondition(op.count == index.count && a.count == index.count && b.count == index.count)
            let n = UInt32(index.count)
            return index.withUnsafeBufferPointer { ip in
                op.withUnsafeBufferPointer { opp in
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            sr_scmp_rule_add(ctx, action, nr, n, ip.baseAddress, opp.baseAddress, ap.baseAddress, bp.baseAddress)
                        }
                    }
                }
            }
        }

        /// The classic BPF program (`struct sock_filter`s); a SysError with libseccomp's errno.
        public func exportBPF() throws -> [UInt8] {
            var out: UnsafeMutablePointer<UInt8>? = nil
            var len = 0
            let rc = sr_scmp_export_bpf(ctx, &out, &len)
            if rc < 0 { throw SysError("seccomp_export_bpf", errno: -rc) }
            defer { sr_scmp_free_buffer(out) }
            return out.map { Array(UnsafeBufferPointer(start: $0, count: len)) } ?? []
        }
    }
}
