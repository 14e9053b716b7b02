/// runc's "ENOSYS stub" (its patchbpf), written here from the idea: a profile written before a
/// syscall existed denies it with the default action (usually EPERM), but libc fallbacks (clone3,
/// faccessat2, openat2, close_range, ...) only fall back to the older call on ENOSYS. So syscall
/// numbers above every syscall the profile names get ENOSYS, as if the kernel were older than the
/// profile. Prepended to libseccomp's program; anything not caught falls through to it unchanged.
///
/// Only the native x86_64 ABI is stubbed (x32 numbers, with bit 30 set, and other architectures
/// go straight to the profile's program); there is no stub when the default action allows
/// (ALLOW, LOG) or already says ENOSYS, or when the profile names no native syscall.
enum EnosysStub {
    static let AUDIT_ARCH_X86_64: UInt32 = 0xC000_003E
    static let X32_SYSCALL_BIT: UInt32 = 0x4000_0000
    static let ENOSYS: UInt32 = 38

    // Classic BPF opcodes (linux/bpf_common.h).
    static let LD_W_ABS: UInt16 = 0x20
    static let JEQ_K: UInt16 = 0x15
    static let JGT_K: UInt16 = 0x25
    static let JGE_K: UInt16 = 0x35
    static let RET_K: UInt16 = 0x06

    /// struct seccomp_data: nr at 0, arch at 4.
    static let offsetNr: UInt32 = 0
    static let offsetArch: UInt32 = 4

    static func wanted(defaultAction: UInt32, maxNative: Int32?) -> Bool {
        guard let m = maxNative, m >= 0 else { return false }
        return defaultAction != Seccomp.ACT_ALLOW && defaultAction != Seccomp.ACT_LOG
            && defaultAction != Seccomp.ACT_ERRNO(ENOSYS)
    }

    /// The stub's instructions (8 bytes each, host byte order as the kernel reads them).
    static func instructions(maxNative: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        func op(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) {
            withUnsafeBytes(of: code.littleEndian) { out += $0 }
            out += [jt, jf]
            withUnsafeBytes(of: k.littleEndian) { out += $0 }
        }
        op(LD_W_ABS, 0, 0, offsetArch)                  // 0: A = arch
        op(JEQ_K, 0, 4, AUDIT_ARCH_X86_64)              // 1: not x86_64 -> 6
        op(LD_W_ABS, 0, 0, offsetNr)                    // 2: A = nr
        op(JGE_K, 2, 0, X32_SYSCALL_BIT)                // 3: x32 -> 6
        op(JGT_K, 0, 1, maxNative)                      // 4: nr > max -> 5, else -> 6
        op(RET_K, 0, 0, Seccomp.ACT_ERRNO(ENOSYS))      // 5: ENOSYS
        return out                                      // 6: libseccomp's program
    }

    /// `bpf` with the stub in front when `wanted`.
    static func apply(to bpf: [UInt8], defaultAction: UInt32, maxNative: Int32?) -> [UInt8] {
        #if arch(x86_64)
        guard wanted(defaultAction: defaultAction, maxNative: maxNative), let m = maxNative else { return bpf }
        return instructions(maxNative: UInt32(m)) + bpf
        #else
        return bpf
        #endif
    }
}
