#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.memoryPolicy: set_mempolicy(2) of the init; fork and execve keep it.
enum MemoryPolicy {
    static let modes: [String: Int32] = [
        "MPOL_DEFAULT": 0, "MPOL_PREFERRED": 1, "MPOL_BIND": 2, "MPOL_INTERLEAVE": 3, "MPOL_LOCAL": 4,
        "MPOL_PREFERRED_MANY": 5, "MPOL_WEIGHTED_INTERLEAVE": 6,
    ]
    static let flagBits: [String: Int32] = [
        "MPOL_F_NUMA_BALANCING": 1 << 13, "MPOL_F_RELATIVE_NODES": 1 << 14, "MPOL_F_STATIC_NODES": 1 << 15,
    ]
    /// Nodemask words (64 bits each): up to 8192 nodes, IndexList.maxIndex.
    static let words = 128

    struct Call: Equatable {
        var mode: Int32          // mode | flags
        var nodes: [UInt64]      // empty: NULL nodemask
        var maxnode: UInt        // as passed to the syscall (bits + 1, for its historical off-by-one)
    }

    /// The syscall arguments, validated. Pure (unit-tested).
    static func call(_ p: LinuxMemoryPolicy) throws -> Call {
        let f = "linux.memoryPolicy"
        guard let mode = modes[p.mode] else {
            throw RuntimeError("\(f).mode: unknown mode \"\(p.mode)\"", errno: EINVAL)
        }
        var flags: Int32 = 0
        for name in p.flags ?? [] {
            guard let b = flagBits[name] else { throw RuntimeError("\(f).flags: unknown flag \"\(name)\"", errno: EINVAL) }
            flags |= b
        }
        if flags & flagBits["MPOL_F_STATIC_NODES"]! != 0 && flags & flagBits["MPOL_F_RELATIVE_NODES"]! != 0 {
            throw RuntimeError("\(f).flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other", errno: EINVAL)
        }
        let nodes = try IndexList.parse(p.nodes ?? "", field: "\(f).nodes")
        switch p.mode {
        case "MPOL_DEFAULT", "MPOL_LOCAL":
            if !nodes.isEmpty { throw RuntimeError("\(f).nodes: must be empty for \(p.mode)", errno: EINVAL) }
            if flags != 0 { throw RuntimeError("\(f).flags: not allowed with \(p.mode)", errno: EINVAL) }
        case "MPOL_PREFERRED":
            break  // an empty set means local allocation
        default:
            if nodes.isEmpty { throw RuntimeError("\(f).nodes: \(p.mode) needs at least one node", errno: EINVAL) }
        }
        if nodes.isEmpty { return Call(mode: mode | flags, nodes: [], maxnode: 0) }
        var mask = [UInt64](repeating: 0, count: words)
        for n in nodes { mask[n / 64] |= UInt64(1) << UInt64(n % 64) }
        let used = nodes.last! / 64 + 1
        return Call(mode: mode | flags, nodes: Array(mask.prefix(used)), maxnode: UInt(used * 64 + 1))
    }

    static func apply(_ p: LinuxMemoryPolicy) throws {
        let c = try call(p)
        let r = ProcessControl.setMempolicy(c.mode, nodes: c.nodes.map { UInt($0) }, maxnode: c.maxnode)
        if r != 0 {
            let e = errno
            var why = SysError("set_mempolicy", p.mode, errno: e).description
            if e == EINVAL && !c.nodes.isEmpty { why += " (nodes \"\(p.nodes ?? "")\" must exist and be allowed by the cpuset)" }
            throw RuntimeError("linux.memoryPolicy: \(why)", errno: e)
        }
    }
}
