#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Lists such as "0-3,7" (process.execCPUAffinity, linux.memoryPolicy.nodes) as sorted indices.
enum IndexList {
    /// The largest index accepted (CPUs and NUMA nodes): 8191, the size of our masks.
    static let maxIndex = 8191

    /// Parses "0-3,7" (spaces around items allowed). "" -> []. Throws a message naming `field`.
    static func parse(_ s: String, field: String) throws -> [Int] {
        var out = Set<Int>()
        for raw in s.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingSpaces
            if item.isEmpty {
                if s.trimmingSpaces.isEmpty { continue }
                throw RuntimeError("\(field): invalid list \"\(s)\": empty item", errno: EINVAL)
            }
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard bounds.count <= 2, let lo = Int(bounds[0]), let hi = Int(bounds.last!), lo >= 0 else {
                throw RuntimeError("\(field): invalid list \"\(s)\": bad item \"\(item)\"", errno: EINVAL)
            }
            guard lo <= hi else {
                throw RuntimeError("\(field): invalid list \"\(s)\": range \"\(item)\" is reversed", errno: EINVAL)
            }
            guard hi <= maxIndex else {
                throw RuntimeError("\(field): invalid list \"\(s)\": \(hi) is larger than \(maxIndex)", errno: EINVAL)
            }
            for i in lo...hi { out.insert(i) }
        }
        return out.sorted()
    }

    /// A little-endian bit mask of `bytes` bytes (bit i of byte i/8).
    static func byteMask(_ indices: [Int], bytes: Int) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: bytes)
        for i in indices where i / 8 < bytes { m[i / 8] |= UInt8(1) << UInt8(i % 8) }
        return m
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    var trimmingSpaces: Substring { Substring(self).trimmingSpaces }
}

/// sched_setaffinity(2) of the calling thread from a CPU list.
enum CPUAffinityMask {
    /// 8192 CPUs: larger than any nr_cpu_ids we expect, and what sched_getaffinity needs.
    static let maskBytes = 1024

    static func current() throws -> [UInt8] {
        var m = [UInt8](repeating: 0, count: maskBytes)
        let n = try sys("sched_getaffinity") { ProcessControl.schedGetaffinity(&m) }
        return Array(m.prefix(Int(n)))
    }

    static func set(_ mask: [UInt8]) throws {
        try sys("sched_setaffinity") { ProcessControl.schedSetaffinity(mask) }
    }

    /// Applies a CPU list; `field` names the config member for errors. Empty list: no change.
    /// Returns false when the list was empty.
    @discardableResult
    static func apply(list: String, field: String) throws -> Bool {
        let cpus = try IndexList.parse(list, field: field)
        if cpus.isEmpty { return false }
        do { try set(IndexList.byteMask(cpus, bytes: maskBytes)) } catch let e as SysError {
            if e.errno == EINVAL {
                throw RuntimeError("\(field): sched_setaffinity \"\(list)\": none of these CPUs is online and allowed",
                                   errno: EINVAL)
            }
            throw RuntimeError(field, cause: e)
        }
        return true
    }
}
