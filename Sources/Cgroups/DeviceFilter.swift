#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec

/// The cgroup v2 device controller: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the device rules.
///
/// Context (struct bpf_cgroup_dev_ctx): u32 access_type at 0 (device type in the low 16 bits — 1 block,
/// 2 char — and access in the high 16 bits — 1 mknod, 2 read, 4 write), u32 major at 4, u32 minor at 8.
/// Program: a 6-instruction prologue loads type→r2, access→r3, major→r4, minor→r5; then per exception a
/// block "type/access/major/minor mismatch → next block; r0 = verdict; exit" (checks for wildcards
/// omitted); then "r0 = default; exit".
public enum DeviceFilter {
    public static let BPF_CGROUP_DEVICE: UInt32 = 6
    public static let BPF_F_ALLOW_MULTI: UInt32 = 2

    public static func program(_ set: DeviceRuleSet) -> [BPFInstruction] {
        var p: [BPFInstruction] = [
            .ldxW(2, 1, 0), .and32(2, 0xffff),   // r2 = type
            .ldxW(3, 1, 0), .rsh32(3, 16),       // r3 = access
            .ldxW(4, 1, 4),                      // r4 = major
            .ldxW(5, 1, 8),                      // r5 = minor
        ]
        let verdict: Int32 = set.defaultAllow ? 0 : 1
        for e in set.exceptions {
            var block: [BPFInstruction] = []
            // Jump offsets are filled in once the block length is known (-1 marks "to the next block").
            block.append(.jne32(2, imm: e.key.type == "b" ? 1 : 2, off: -1))
            if e.access != DeviceRuleSet.all {
                block.append(.mov32(1, src: 3))
                block.append(.and32(1, Int32(e.access)))
                block.append(.jne32(1, src: 3, off: -1))   // requested access not a subset of the rule's
            }
            if e.key.major >= 0 { block.append(.jne32(4, imm: Int32(truncatingIfNeeded: e.key.major), off: -1)) }
            if e.key.minor >= 0 { block.append(.jne32(5, imm: Int32(truncatingIfNeeded: e.key.minor), off: -1)) }
            block.append(.mov32(0, imm: verdict))
            block.append(.exit)
            for i in block.indices where block[i].off == -1 { block[i].off = Int16(block.count - i - 1) }
            p += block
        }
        p.append(.mov32(0, imm: set.defaultAllow ? 1 : 0))
        p.append(.exit)
        return p
    }

    public static func program(rules: [LinuxDeviceCgroup]) throws -> [BPFInstruction] {
        program(try DeviceRuleSet(rules: rules))
    }

    /// BPF_PROG_LOAD. No RLIMIT_MEMLOCK raise is needed: since Linux 5.11 BPF memory is memcg-accounted.
    public static func load(_ insns: [BPFInstruction]) throws -> Int32 {
        let bytes = insns.flatMap(\.bytes)
        var log = [CChar](repeating: 0, count: 65536)
        let fd = bytes.withUnsafeBytes { b in
            sr_bpf_prog_load_cgroup_device(b.baseAddress, UInt32(insns.count), "Apache", &log, UInt32(log.count))
        }
        if fd < 0 {
            let e = errno
            let text = String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CgroupError("bpf prog load (cgroup device filter): \(Errno.describe(e))" + (text.isEmpty ? "" : ": " + trimmed(text)), errno: e)
        }
        return fd
    }

    /// Ids of the device programs attached directly to the cgroup fd, and their attach flags.
    public static func attached(cgroupFD: Int32) throws -> (ids: [UInt32], flags: UInt32) {
        var cap: UInt32 = 64
        var ids = [UInt32](repeating: 0, count: Int(cap))
        var flags: UInt32 = 0
        if sr_bpf_prog_query(cgroupFD, BPF_CGROUP_DEVICE, &flags, &ids, &cap) != 0 {
            throw CgroupError("bpf prog query: \(Errno.describe(errno))", errno: errno)
        }
        return (Array(ids.prefix(Int(cap))), flags)
    }

    /// Loads the program for `rules`, attaches it to the cgroup directory `dir`, then detaches the
    /// device programs attached there before (so the cgroup is never without a filter).
    public static func install(rules: [LinuxDeviceCgroup], dir: String) throws {
        let insns = try program(rules: rules)
        let cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if cg < 0 { throw CgroupError("open \(dir): \(Errno.describe(errno))", errno: errno) }
        defer { close(cg) }
        let old = try attached(cgroupFD: cg)
        let prog = try load(insns)
        defer { close(prog) }
        if !old.ids.isEmpty && old.flags & BPF_F_ALLOW_MULTI == 0 {
            // A single non-multi program: attaching with the same flags replaces it.
            if sr_bpf_prog_attach(cg, prog, BPF_CGROUP_DEVICE, old.flags) != 0 {
                throw CgroupError("bpf prog attach to \(dir): \(Errno.describe(errno))", errno: errno)
            }
            return
        }
        if sr_bpf_prog_attach(cg, prog, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) != 0 {
            throw CgroupError("bpf prog attach to \(dir): \(Errno.describe(errno))", errno: errno)
        }
        for id in old.ids {
            let fd = sr_bpf_prog_get_fd_by_id(id)
            if fd < 0 { continue }
            defer { close(fd) }
            if sr_bpf_prog_detach(cg, fd, BPF_CGROUP_DEVICE) != 0 && errno != ENOENT {
                throw CgroupError("bpf prog detach from \(dir): \(Errno.describe(errno))", errno: errno)
            }
        }
    }
}
