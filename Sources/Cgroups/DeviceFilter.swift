#if canImport(Glibc)
import Glibc
#endif
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
        let r = bytes.withUnsafeBytes { BPFSyscall.loadCgroupDevice($0, insnCount: insns.count, license: "Apache", log: &log) }
        switch r {
        case .success(let fd): return fd
        case .failure(let err):
            let text = String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CgroupError("bpf prog load (cgroup device filter): \(Errno.describe(err.errno))" + (text.isEmpty ? "" : ": " + trimmed(text)), errno: err.errno)
        }
    }

    /// Ids of the device programs attached directly to the cgroup fd, and their attach flags.
    public static func attached(cgroupFD: Int32) throws -> (ids: [UInt32], flags: UInt32) {
        do {
            return try BPFSyscall.query(targetFD: cgroupFD, attachType: BPFSyscall.cgroupDevice)
        } catch let e as SysError {
            throw CgroupError("bpf prog query: \(Errno.describe(e.errno))", errno: e.errno)
        }
    }

    /// Loads the program for `rules`, attaches it to the cgroup directory `dir`, then detaches the
    /// device programs attached there before (so the cgroup is never without a filter).
    public static func install(rules: [LinuxDeviceCgroup], dir: String) throws {
        let insns = try program(rules: rules)
        let cgRaw: Int32
        do { cgRaw = try FileSystem.openDirectory(dir) } catch let e as SysError {
            throw CgroupError("open \(dir): \(Errno.describe(e.errno))", errno: e.errno)
        }
        let cgFD = FileDescriptor(adopting: cgRaw)
        let old = try attached(cgroupFD: cgFD.rawValue)
        let progFD = FileDescriptor(adopting: try load(insns))
        try attach(cgroup: cgFD, program: progFD, replacing: old, dir: dir)
    }

    /// Attaches `program` to `cgroup` (the directory `dir`), then detaches the programs in `old`.
    static func attach(cgroup: borrowing FileDescriptor, program: borrowing FileDescriptor,
                       replacing old: (ids: [UInt32], flags: UInt32), dir: String) throws {
        let cg = cgroup.rawValue, prog = program.rawValue
        func attach(flags: UInt32) throws {
            do { try BPFSyscall.attach(targetFD: cg, progFD: prog, attachType: BPFSyscall.cgroupDevice, flags: flags) } catch let e as SysError {
                throw CgroupError("bpf prog attach to \(dir): \(Errno.describe(e.errno))", errno: e.errno)
            }
        }
        if !old.ids.isEmpty && old.flags & BPFSyscall.allowMulti == 0 {
            // A single non-multi program: attaching with the same flags replaces it.
            try attach(flags: old.flags)
            return
        }
        try attach(flags: BPFSyscall.allowMulti)
        for id in old.ids {
            guard let raw = BPFSyscall.programFD(id: id) else { continue }
            let fd = FileDescriptor(adopting: raw)
            do { try BPFSyscall.detach(targetFD: cg, progFD: fd.rawValue, attachType: BPFSyscall.cgroupDevice) } catch let e as SysError where e.errno != ENOENT {
                throw CgroupError("bpf prog detach from \(dir): \(Errno.describe(e.errno))", errno: e.errno)
            } catch {}
        }
    }
}
