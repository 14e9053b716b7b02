#if canImport(Glibc)
import Glibc
#endif
import CShim

/// bpf(2) for cgroup v2 device programs (BPF_PROG_TYPE_CGROUP_DEVICE). Each call returns what the
/// kernel returns, or throws a SysError with its errno.
public enum BPFSyscall {
    /// The kernel's attach type and attach flag values.
    public static let cgroupDevice = UInt32(SR_BPF_CGROUP_DEVICE)
    public static let allowMulti = UInt32(SR_BPF_F_ALLOW_MULTI)

    /// BPF_PROG_LOAD of `insnCount` 8-byte instructions. The verifier's log goes to `log`, which the
    /// caller sizes (a failure's explanation); the fd is close-on-exec.
    public static func loadCgroupDevice(_ insns: UnsafeRawBufferPointer, insnCount: Int, license: String,
                                        log: inout [CChar]) -> Result<Int32, SysError> {
        let fd = log.withUnsafeMutableBufferPointer { l in
            sr_bpf_prog_load_cgroup_device(insns.baseAddress!, UInt32(insnCount), license, l.baseAddress, UInt32(l.count))
        }
        return fd < 0 ? .failure(SysError("bpf prog load")) : .success(fd)
    }

    /// BPF_PROG_QUERY: ids (at most `capacity`) and attach flags of the programs attached to `targetFD`.
    public static func query(targetFD: Int32, attachType: UInt32, capacity: Int = 64) throws -> (ids: [UInt32], flags: UInt32) {
        var cap = UInt32(capacity)
        var ids = [UInt32](repeating: 0, count: capacity)
        var flags: UInt32 = 0
        try sys("bpf prog query") { sr_bpf_prog_query(targetFD, attachType, &flags, &ids, &cap) }
        return (Array(ids.prefix(Int(cap))), flags)
    }

    public static func attach(targetFD: Int32, progFD: Int32, attachType: UInt32, flags: UInt32) throws {
        try sys("bpf prog attach") { sr_bpf_prog_attach(targetFD, progFD, attachType, flags) }
    }

    public static func detach(targetFD: Int32, progFD: Int32, attachType: UInt32) throws {
        try sys("bpf prog detach") { sr_bpf_prog_detach(targetFD, progFD, attachType) }
    }

    /// BPF_PROG_GET_FD_BY_ID; nil when the program is gone (or cannot be opened).
    public static func programFD(id: UInt32) -> Int32? {
        let fd = sr_bpf_prog_get_fd_by_id(id)
        return fd < 0 ? nil : fd
    }
}
